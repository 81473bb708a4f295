internal import CLibPQ

/// Owns one `PGconn` and closes it with `PQfinish` when released. Only the owning `Connection`
/// uses it, and only on its lane; it is `Sendable` so that it can be handed over once.
final class LibPQHandle: @unchecked Sendable {
    /// The connection as opened, valid until `finish()`.
    let opened: OpaquePointer
    private var finished = false

    init(_ pointer: OpaquePointer) {
        opened = pointer
    }

    deinit {
        finish()
    }

    /// The `PGconn` while it is open.
    var pointer: OpaquePointer? { finished ? nil : opened }

    /// Closes the connection now.
    func finish() {
        guard !finished else { return }
        finished = true
        PQfinish(opened)
    }
}
