import Foundation
internal import CLibPQ

/// Asks the server to cancel the statement a connection is running. libpq's `PQcancel` is safe to
/// call from any thread, which is what lets a cancelled Swift task stop a blocking query.
final class QueryCanceller: @unchecked Sendable {
    private let lock = NSLock()
    private var cancel: OpaquePointer?
    private var running = false
    /// Set by a cancellation, whether or not a call was running; read when a call starts.
    private var requested = false

    init(connection: OpaquePointer) {
        cancel = PQgetCancel(connection)
    }

    deinit {
        if let cancel { PQfreeCancel(cancel) }
    }

    /// Clears an earlier cancellation before a new statement's cancellation handler is installed.
    func prepare() {
        lock.withLock { requested = false }
    }

    /// Marks the start of a blocking call; false when a cancellation already came (skip the call).
    func start() -> Bool {
        lock.withLock {
            running = true
            return !requested
        }
    }

    /// Marks the end of a blocking call.
    func finish() {
        lock.withLock { running = false }
    }

    /// Sends a cancel request if a blocking call is in progress. Returns whether one was sent.
    @discardableResult
    func cancelRunning() -> Bool {
        lock.withLock {
            requested = true
            return running && sendCancel()
        }
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
