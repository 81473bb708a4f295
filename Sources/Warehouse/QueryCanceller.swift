import Blocking
internal import CLibPQ

/// Asks the server to cancel the statement a connection is running. libpq's `PQcancel` is safe to
/// call from any thread, which is what lets a cancelled Swift task stop a blocking query.
final class QueryCanceller: Sendable {
    private struct State {
        var cancel: OpaquePointer?
        var running = false
        /// Set by a cancellation, whether or not a call was running; read when a call starts.
        var requested = false
        /// Counts the calls started, so a cancel request sent late never hits a later call.
        var call = 0
    }

    private let state: LockedBox<State>

    init(connection: OpaquePointer) {
        state = LockedBox(State(cancel: PQgetCancel(connection)))
    }

    deinit {
        invalidate()
    }

    /// Clears an earlier cancellation before a new statement's cancellation handler is installed.
    func prepare() {
        state.withLock { $0.requested = false }
    }

    /// Marks the start of a blocking call; false when a cancellation already came (skip the call).
    func start() -> Bool {
        state.withLock { state in
            state.running = true
            state.call += 1
            return !state.requested
        }
    }

    /// Marks the end of a blocking call.
    func finish() {
        state.withLock { $0.running = false }
    }

    /// Marks the statement cancelled and, if a blocking call is in progress, sends the server a
    /// cancel request from `pool` (`PQcancel` opens a connection of its own, so it blocks): the
    /// caller is a task-cancellation handler, on whatever thread cancelled the task.
    func cancelRunning(on pool: BlockingPool) {
        let running: Int? = state.withLock { state in
            state.requested = true
            return state.running ? state.call : nil
        }
        guard let call = running else { return }
        pool.submit { [self] in
            // Under the lock, so the cancel object is not freed meanwhile; only while that same
            // call still runs.
            state.withLock { state in
                if state.running && state.call == call { _ = Self.sendCancel(state.cancel) }
            }
        }
    }

    /// Sends a cancel request whatever the state (used to stop a COPY TO that is being abandoned).
    @discardableResult
    func cancelNow() -> Bool {
        state.withLock { Self.sendCancel($0.cancel) }
    }

    /// Called under the lock, so the cancel object is not freed meanwhile.
    private static func sendCancel(_ cancel: OpaquePointer?) -> Bool {
        guard let cancel else { return false }
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(cancel, &buffer, Int32(buffer.count)) == 1
    }

    func invalidate() {
        state.withLock { state in
            if let cancel = state.cancel { PQfreeCancel(cancel) }
            state.cancel = nil
            state.running = false
        }
    }
}
