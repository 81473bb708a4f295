import Foundation

/// The threads that run Stevedore's blocking work (libpq and libcurl calls, file and pipe reads and
/// writes), so that none of it holds a thread of Swift's cooperative pool, in the manner of
/// swift-nio's `NIOThreadPool`. Threads start when work waits and none is idle or finishing a
/// job, up to `maximumThreads`, and stay until `shutdown`, which lets queued work finish and joins them.
public final class BlockingPool: Sendable {
    /// The process's pool, started on first use and never shut down. Each blocked call holds a
    /// thread (a lock wait, a silent pipe), so the bound is far above what loads use (a CLI load:
    /// at most 4; the scheduler: about 4 per partition in flight).
    public static let shared = BlockingPool(name: "stevedore-io", maximumThreads: 256)

    /// Why the pool refused work.
    public struct ShutDown: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "the blocking pool was shut down" }
    }

    public let name: String
    public let maximumThreads: Int
    private let storage: Storage

    public init(name: String, maximumThreads: Int) {
        self.name = name
        self.maximumThreads = max(1, maximumThreads)
        storage = Storage()
    }

    /// Runs `body` on a pool thread and returns its result. If the calling task is cancelled while
    /// the work still waits for a thread, it is dropped and `CancellationError` thrown; once
    /// started it runs to its end (a body that can stop early checks its own flag).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let job = Job()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                submit(job) { [self] outcome in
                    switch outcome {
                    case .run:
                        let result = Result { try body() }
                        bodyReturned(job)
                        continuation.resume(with: result)
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    case .shutDown: continuation.resume(throwing: ShutDown())
                    }
                }
            }
        } onCancel: {
            cancel(job)
        }
    }

    /// Queues `body` without waiting for it; false when the pool is shut down (it will not run).
    @discardableResult
    public func submit(_ body: @escaping @Sendable () -> Void) -> Bool {
        let job = Job()
        return submit(job) { [self] outcome in
            guard case .run = outcome else { return }
            body()
            bodyReturned(job)
        }
    }

    /// How many jobs wait for a thread.
    public var queuedJobs: Int {
        storage.condition.lock()
        defer { storage.condition.unlock() }
        return storage.queue[storage.head...].filter { $0?.state == .queued }.count
    }

    /// How many threads the pool has started (they stay until shutdown).
    public var threadCount: Int {
        storage.condition.lock()
        defer { storage.condition.unlock() }
        return storage.threads
    }

    /// Refuses new work, lets the queued work finish, and returns once every thread has ended.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            storage.condition.lock()
            storage.stopping = true
            storage.condition.broadcast()
            if storage.threads == 0 {
                storage.condition.unlock()
                continuation.resume()
                return
            }
            storage.joined.append(continuation)
            storage.condition.unlock()
        }
    }

    // MARK: the queue

    /// What became of a piece of work.
    enum Outcome {
        case run, cancelled, shutDown
    }

    /// One piece of work and how far it got; its state is guarded by the pool's condition lock.
    final class Job: @unchecked Sendable {
        enum State { case new, queued, running, cancelled }
        var state = State.new
        var work: (@Sendable (Outcome) -> Void)?
        /// Its body has returned; its thread, resuming the caller, takes the next job soon.
        var bodyReturned = false
    }

    /// The queue, the threads and the lock they share.
    private final class Storage: @unchecked Sendable {
        let condition = NSCondition()
        // Guarded by `condition`.
        var queue: [Job?] = []
        var head = 0
        var threads = 0
        var idle = 0
        /// Threads whose job's body has returned, on their way to the next job: a job queued now
        /// is theirs, as it would be an idle thread's.
        var finishing = 0
        var stopping = false
        var joined: [CheckedContinuation<Void, Never>] = []
    }

    /// Queues `job`; false when it was refused (cancelled already, or the pool shut down), after
    /// `work` was told so.
    @discardableResult
    private func submit(_ job: Job, _ work: @escaping @Sendable (Outcome) -> Void) -> Bool {
        let storage = self.storage
        storage.condition.lock()
        if job.state == .cancelled || storage.stopping {
            let outcome: Outcome = job.state == .cancelled ? .cancelled : .shutDown
            storage.condition.unlock()
            work(outcome)
            return false
        }
        job.work = work
        job.state = .queued
        storage.queue.append(job)
        // A thread for every job that no idle thread will take: a job never waits behind another
        // that blocks, until the pool has all its threads.
        let waiting = storage.queue.count - storage.head
        let start = waiting > storage.idle + storage.finishing && storage.threads < maximumThreads
        if start { storage.threads += 1 }
        let number = storage.threads
        storage.condition.signal()
        storage.condition.unlock()
        if start {
            // Named from inside: on Linux a name set before `start` is not applied, and one set
            // before `start` has returned neither (Foundation's setter needs the handle `start`
            // stores, which a thread that runs at once can outrun): the thread waits for it.
            let name = "\(self.name)-\(number)"
            let started = ConditionBox(false)
            Thread { [self] in
                started.wait(until: { $0 }) { _ in }
                Thread.current.name = name
                runJobs(storage)
            }.start()
            started.withLock { $0 = true }
        }
        return true
    }

    private func cancel(_ job: Job) {
        storage.condition.lock()
        let work: (@Sendable (Outcome) -> Void)?
        switch job.state {
        case .new:
            job.state = .cancelled
            work = nil
        case .queued:
            // The thread that takes it skips it; its caller resumes now.
            job.state = .cancelled
            work = job.work
            job.work = nil
        case .running, .cancelled:
            work = nil
        }
        storage.condition.unlock()
        work?(.cancelled)
    }

    private func runJobs(_ storage: Storage) {
        var previous: Job?
        while let job = take(storage, after: previous) {
            job.work?(.run)
            job.work = nil
            previous = job
        }
    }

    /// Records that `job`'s body returned, before its caller is resumed (whose next job, queued at
    /// once, must not start a thread of its own).
    private func bodyReturned(_ job: Job) {
        storage.condition.lock()
        job.bodyReturned = true
        storage.finishing += 1
        storage.condition.unlock()
    }

    /// The next job to run, marked running; nil once the pool stops and its queue is empty.
    /// `previous`, the job this thread ran last, no longer counts as finishing.
    private func take(_ storage: Storage, after previous: Job?) -> Job? {
        storage.condition.lock()
        defer { storage.condition.unlock() }
        if let previous, previous.bodyReturned {
            previous.bodyReturned = false
            storage.finishing -= 1
        }
        while true {
            while storage.head < storage.queue.count {
                let job = storage.queue[storage.head]
                storage.queue[storage.head] = nil
                storage.head += 1
                if storage.head > 64 && storage.head * 2 > storage.queue.count {
                    storage.queue.removeFirst(storage.head)
                    storage.head = 0
                }
                if let job, job.state == .queued {
                    job.state = .running
                    return job
                }
            }
            if storage.stopping {
                storage.threads -= 1
                if storage.threads == 0 {
                    for continuation in storage.joined { continuation.resume() }
                    storage.joined = []
                }
                return nil
            }
            storage.idle += 1
            storage.condition.wait()
            storage.idle -= 1
        }
    }
}
