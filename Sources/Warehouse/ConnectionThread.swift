import Foundation

/// A serial executor with one thread of its own. A `Connection` runs all its work here, so libpq's
/// blocking calls (connect, query, COPY) never hold a thread of Swift's cooperative pool.
final class ConnectionThread: SerialExecutor, @unchecked Sendable {
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Work] = []
    private var stopping = false
    /// The pthread the work runs on, set once it starts.
    private(set) var pthread: pthread_t?

    init(name: String) {
        let thread = Thread { [self] in
            condition.lock()
            pthread = pthread_self()
            condition.unlock()
            Thread.current.name = name
            runLoop()
        }
        thread.start()
    }

    /// True when called on this executor's own thread.
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        return pthread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `body` on the thread and returns its result; for work done before the actor exists.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(.closure { continuation.resume(with: Result { try body() }) })
        }
    }

    /// Lets the thread finish the work already queued, then end.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func submit(_ work: Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        var batch: [Work] = []
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                condition.wait()
            }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &queue)
            condition.unlock()
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
