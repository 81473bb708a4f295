import Foundation
internal import CLibPQ

/// Asks the server to cancel the statement a connection is running. libpq's `PQcancel` is safe to
/// call from any thread, which is what lets a cancelled Swift task stop a blocking query.
final class QueryCanceller: @unchecked Sendable {
    private let lock = NSLock()
    private var cancel: OpaquePointer?
    private var running = false

    init(connection: OpaquePointer) {
        cancel = PQgetCancel(connection)
    }

    deinit {
        if let cancel { PQfreeCancel(cancel) }
    }

    /// Marks the start and end of a blocking call that a cancellation should interrupt.
    func setRunning(_ value: Bool) {
        lock.withLock { running = value }
    }

    /// Sends a cancel request if a blocking call is in progress. Returns whether one was sent.
    @discardableResult
    func cancelRunning() -> Bool {
        lock.withLock { running && sendCancel() }
    }

    /// Sends a cancel request whatever the state (used to stop a COPY TO that is being abandoned).
    @discardableResult
    func cancelNow() -> Bool {
        lock.withLock { sendCancel() }
    }

    /// Must be called with `lock` held.
    private func sendCancel() -> Bool {
        guard let cancel else { return false }
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(cancel, &buffer, Int32(buffer.count)) == 1
    }

    func invalidate() {
        lock.withLock {
            if let cancel { PQfreeCancel(cancel) }
            cancel = nil
            running = false
        }
    }
}
