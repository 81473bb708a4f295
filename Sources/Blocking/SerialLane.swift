import Foundation

/// A serial executor whose jobs run one at a time, in order, on threads of a `BlockingPool`: the
/// executor of an actor that makes blocking calls (a libpq `Connection`). It holds a pool thread
/// only while it has work.
public final class SerialLane: SerialExecutor, Sendable {
    private enum Work: @unchecked Sendable {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct State {
        var queue: [Work] = []
        var draining = false
        /// The thread draining the lane, while it does.
        var thread: pthread_t?
    }

    private let pool: BlockingPool
    private let state = LockedBox(State())

    public init(pool: BlockingPool = .shared) {
        self.pool = pool
    }

    /// True when called from work this lane is running.
    public var isCurrent: Bool {
        state.withLock { state in state.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `body` on the lane, after the work queued before it, and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(.closure { continuation.resume(with: Result { try body() }) })
        }
    }

    private func submit(_ work: Work) {
        let startDraining = state.withLock { state in
            state.queue.append(work)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        guard startDraining else { return }
        if !pool.submit({ self.drain() }) {
            // A pool that is shut down runs nothing more: a thread of its own drains the lane rather
            // than lose the work (never the caller's thread, which may be a cooperative one).
            Thread { self.drain() }.start()
        }
    }

    private func drain() {
        state.withLock { $0.thread = pthread_self() }
        var batch: [Work] = []
        while true {
            let more = state.withLock { state in
                if state.queue.isEmpty {
                    state.draining = false
                    state.thread = nil
                    return false
                }
                swap(&batch, &state.queue)
                return true
            }
            guard more else { return }
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: asUnownedSerialExecutor())
                case .closure(let body): body()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
