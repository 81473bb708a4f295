import Blocking
import Foundation
import Testing

/// The pool of threads for blocking work: results, cancellation of waiting work, threads started
/// on demand, shutdown that drains and joins, and the serial lane an actor runs on. The limit
/// catches a deadlock; it is generous because in the full suite a test here can wait most of a
/// minute for a cooperative thread before its first line runs.
@Suite("Blocking pool", .timeLimit(.minutes(3)))
struct BlockingPoolTests {
    struct Failure: Error, Equatable {}

    @Test("run returns the body's value or rethrows its error, on a thread of the pool")
    func results() async throws {
        let pool = BlockingPool(name: "test-results", maximumThreads: 2)
        let name = try await pool.run { Thread.current.name ?? "" }
        #expect(name.hasPrefix("test-results-"))
        await #expect(throws: Failure.self) { try await pool.run { throw Failure() } }
        await pool.shutdown()
    }

    @Test("each new thread has its pool's name before it runs work, however fast it starts")
    func namesBeforeWork() async throws {
        // The first job of a new pool runs on a thread started for it that instant: its name was
        // once lost when the thread outran `Thread.start` (it kept its creator's).
        for round in 0..<200 {
            let pool = BlockingPool(name: "name-\(round % 10)", maximumThreads: 1)
            let name = try await pool.run { Thread.current.name ?? "" }
            #expect(name == "name-\(round % 10)-1", "round \(round): \(name)")
            await pool.shutdown()
        }
    }

    @Test("work cancelled while it waits for a thread is dropped with CancellationError")
    func cancelWaiting() async throws {
        let pool = BlockingPool(name: "test-cancel", maximumThreads: 1)
        let release = DispatchSemaphore(value: 0)
        let ran = LockedBox(false)
        let running = LockedBox(false)
        let blocker = Task {
            try await pool.run {
                running.withLock { $0 = true }
                release.wait()
            }
        }
        try await waitUntil { running.withLock { $0 } }
        let waiting = Task { try await pool.run { ran.withLock { $0 = true } } }
        try await waitUntil { pool.queuedJobs == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        release.signal()
        try await blocker.value
        await pool.shutdown()
        #expect(ran.withLock { $0 } == false)
    }

    @Test("a job never waits behind a blocking one while the pool may start threads")
    func threadsOnDemand() async throws {
        let pool = BlockingPool(name: "test-demand", maximumThreads: 4)
        let handoff = DispatchSemaphore(value: 0)
        // The first blocks until the second runs: with one thread they would wait for each other.
        async let first: Void = pool.run { handoff.wait() }
        async let second: Void = pool.run { handoff.signal() }
        _ = try await (first, second)
        #expect(pool.threadCount == 2)
        await pool.shutdown()
    }

    @Test("work that follows other work, one job at a time, runs on one thread")
    func sequentialWorkOneThread() async throws {
        let pool = BlockingPool(name: "sequential", maximumThreads: 8)
        // Each job is queued the moment the one before resumes its caller: the thread that ran
        // it is still on its way back, and no second thread may start for it.
        for value in 0..<2_000 {
            #expect(try await pool.run { value } == value)
        }
        #expect(pool.threadCount == 1)
        await pool.shutdown()
    }

    @Test("shutdown lets queued work finish, joins the threads, then refuses work")
    func shutdown() async throws {
        let pool = BlockingPool(name: "test-shutdown", maximumThreads: 1)
        let done = LockedBox(0)
        let jobs = (0..<5).map { _ in
            Task {
                try await pool.run {
                    usleep(10_000)
                    done.withLock { $0 += 1 }
                }
            }
        }
        try await waitUntil { pool.threadCount == 1 }
        await pool.shutdown()
        for job in jobs { try await job.value }
        #expect(done.withLock { $0 } == 5)
        #expect(pool.threadCount == 0)
        await #expect(throws: BlockingPool.ShutDown.self) { try await pool.run { 1 } }
        #expect(pool.submit {} == false)
    }

    actor OnLane {
        let lane: SerialLane
        var order: [Int] = []
        nonisolated var unownedExecutor: UnownedSerialExecutor { lane.asUnownedSerialExecutor() }
        init(_ lane: SerialLane) { self.lane = lane }
        /// Whether it ran on the lane, and the name of the thread it ran on.
        func append(_ value: Int) -> (onLane: Bool, thread: String) {
            order.append(value)
            return (lane.isCurrent, Thread.current.name ?? "")
        }
    }

    @Test("an actor on a serial lane runs on the pool's threads, one job at a time, in order")
    func serialLane() async throws {
        let pool = BlockingPool(name: "test-lane", maximumThreads: 4)
        let lane = SerialLane(pool: pool)
        let actor = OnLane(lane)
        for value in 0..<100 {
            let (onLane, thread) = await actor.append(value)
            #expect(onLane)
            #expect(thread.hasPrefix("test-lane-"))
        }
        #expect(await actor.order == Array(0..<100))
        #expect(lane.isCurrent == false)
        let onLane = try await lane.run { lane.isCurrent }
        #expect(onLane)
        await pool.shutdown()
    }

    /// Polls `condition` every 5 ms for up to 10 s.
    func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<2000 where !condition() {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(condition())
    }
}

/// The async semaphore: holders bounded, waiters served in order, a cancelled waiter gets nothing.
@Suite("Permits", .timeLimit(.minutes(1)))
struct PermitsTests {
    @Test("at most count holders; release hands the permit to the first waiter")
    func bounded() async throws {
        let permits = Permits(2)
        #expect(await permits.acquire())
        #expect(await permits.acquire())
        let order = LockedBox<[Int]>([])
        let waiters = (1...2).map { number in
            Task {
                let granted = await permits.acquire()
                order.withLock { $0.append(number) }
                return granted
            }
        }
        try await BlockingPoolTests().waitUntil { permits.waiting == 2 }
        #expect(order.withLock { $0 }.isEmpty, "nobody gets a third permit")
        permits.release()
        permits.release()
        for waiter in waiters { #expect(await waiter.value) }
        #expect(order.withLock { $0 }.count == 2)
    }

    @Test("a waiter cancelled before or while waiting gets no permit, and takes none")
    func cancelled() async throws {
        let permits = Permits(1)
        #expect(await permits.acquire())
        let waiting = Task { await permits.acquire() }
        try await BlockingPoolTests().waitUntil { permits.waiting == 1 }
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(permits.waiting == 0, "the cancelled waiter left the queue")
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await permits.acquire()
        }
        #expect(await early.value == false)
        permits.release()
        let value = try await permits.withPermit { 42 }
        #expect(value == 42)
        #expect(await permits.acquire(), "withPermit gave its permit back")
    }
}
