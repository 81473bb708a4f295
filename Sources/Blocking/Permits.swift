/// A counting semaphore for tasks: at most `count` holders at once, the others wait in order. A
/// waiting task that is cancelled stops waiting (and gets no permit).
public final class Permits: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }

    private let state: LockedBox<State>

    public init(_ count: Int) {
        state = LockedBox(State(available: max(1, count)))
    }

    /// Waits for a permit; false when the task was cancelled first.
    public func acquire() async -> Bool {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock: a cancellation either comes before this (and is seen
                // here) or finds the waiter below.
                let granted: Bool? = state.withLock { state in
                    if Task.isCancelled { return false }
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let granted { continuation.resume(returning: granted) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(returning: false)
        }
    }

    /// How many tasks wait for a permit.
    public var waiting: Int {
        state.withLock { $0.waiters.count }
    }

    /// Gives a permit back, to the longest waiter if there is one.
    public func release() {
        let waiter = state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
                return nil as CheckedContinuation<Bool, Never>?
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: true)
    }

    /// Runs `body` holding a permit; throws `CancellationError` when cancelled while waiting.
    public func withPermit<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        guard await acquire() else { throw CancellationError() }
        defer { release() }
        return try await body()
    }
}
