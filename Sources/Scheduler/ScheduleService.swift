import Blocking
import Foundation
import Logging
import ObjectStore
import ServiceLifecycle
import Stevedore

/// The scheduler service: from each job's partitions and the ledger it finds what is due (complete
/// and not loaded, within the catch-up limit), loads it with bounded concurrency under a per
/// job+partition lock in the warehouse, retries failures with exponential backoff, and records every
/// attempt. `run` repeats that at each job's next run time until graceful shutdown: it is a
/// swift-service-lifecycle `Service`, run in a `ServiceGroup` (the CLI's `schedule run`).
///
/// Graceful shutdown (of the group, or of `testGracefulShutdown`) stops new work: no partition or
/// retry starts, pauses end at once, and the loads in flight finish. Cancelling the task rolls them back.
public actor ScheduleService: Service {
    /// How the service runs.
    public struct Options: Sendable {
        /// Partitions loaded at once, over all jobs.
        public var concurrency = 2
        /// Who is running, recorded with each attempt (`host:pid` by default).
        public var instance = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        /// S3 credentials and endpoint for object sources.
        public var awsEnvironment = AWSEnvironment()
        /// Certificates (PEM) to verify an https:// S3 endpoint of object sources with (the CLI's
        /// `--ca-bundle`); nil for `AWS_CA_BUNDLE`, the profile's `ca_bundle` or the system's.
        public var caBundle: String?
        /// The environment command sources inherit.
        public var processEnvironment = ProcessInfo.processInfo.environment
        /// Called for each event, from the service's tasks.
        public var events: (@Sendable (ServiceEvent) -> Void)?

        public init() {}
    }

    public nonisolated let jobs: [ScheduledJob]
    public nonisolated let metrics: ServiceMetrics
    private let clock: any SchedulerClock
    private let options: Options
    private let logger: Logger
    /// Set once graceful shutdown reached `run`, `runOnce` or `backfill`, for those outside their tasks
    /// (the status endpoint); inside them `Task.isShuttingDownGracefully` says the same.
    private var stopping = false
    private var running: [String: Set<PartitionDefinition.Key>] = [:]
    private var nextRuns: [String: Date] = [:]

    public init(
        jobs: [ScheduledJob], clock: any SchedulerClock = SystemClock(), options: Options = Options(),
        metrics: ServiceMetrics? = nil, logger: Logger = Logger(label: "stevedore.scheduler")
    ) throws {
        var names = Set<String>()
        for scheduled in jobs {
            try scheduled.job.validate()
            guard names.insert(scheduled.job.name).inserted else {
                throw SchedulerError.invalidConfiguration("two jobs are called \(scheduled.job.name)")
            }
        }
        self.jobs = jobs
        self.clock = clock
        self.options = options
        self.metrics = metrics ?? ServiceMetrics(startedAt: clock.now())
        self.logger = logger
    }

    public func job(named name: String) throws -> ScheduledJob {
        guard let job = jobs.first(where: { $0.job.name == name }) else {
            throw SchedulerError(
                code: .notFound,
                message: "no job called '\(name)' (jobs: "
                    + jobs.map(\.job.name).joined(separator: ", ") + ")")
        }
        return job
    }

    /// Whether graceful shutdown has reached the service.
    public var isStopping: Bool { stopping }

    /// Whether to start nothing new: graceful shutdown seen by this task, or by the service.
    private var shuttingDown: Bool { stopping || Task.isShuttingDownGracefully }

    /// Runs `work` and, beside it, waits for graceful shutdown to note it in `stopping`; the waiting
    /// ends with `work`.
    private func noticingShutdown<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask {
                if (try? await gracefulShutdown()) != nil { await self.noteStopping() }
                return nil
            }
            group.addTask { await work() }
            var result: T?
            for await value in group where value != nil {
                result = value
                group.cancelAll()
            }
            return result!
        }
    }

    private func noteStopping() {
        stopping = true
        logger.info("graceful shutdown: no new work; waiting for the loads in flight")
    }

    // MARK: running

    /// Runs what is due now, then again at each job's next run time, until graceful shutdown. Each
    /// job keeps its own time (a slow job does not hold the others back), and `concurrency` bounds
    /// the partitions loading at once over all of them. Returns when the loads in flight have
    /// finished (or, if the caller cancels this task, rolled back).
    public func run() async {
        let permits = Permits(options.concurrency)
        let jobs = self.jobs
        await noticingShutdown {
            await withTaskGroup(of: Void.self) { group in
                for scheduled in jobs {
                    group.addTask { await self.loop(scheduled, permits: permits) }
                }
            }
        }
    }

    /// One job's loop: what is due now, then a pause until its next run time. A run time that
    /// passed while the job was loading is not skipped: the next pass starts at once.
    private func loop(_ scheduled: ScheduledJob, permits: Permits) async {
        while !shuttingDown && !Task.isCancelled {
            let passStart = clock.now()
            _ = await runDue([scheduled], asOf: passStart, permits: permits)
            guard !shuttingDown else { break }
            // No run ahead (the job's windows have ended): look again in a day, serving status meanwhile.
            let wake = scheduled.job.nextRun(after: passStart) ?? clock.now().addingTimeInterval(86400)
            nextRuns[scheduled.job.name] = wake
            logger.info(
                "next look at \(ISO8601DateFormatter().string(from: wake))", metadata: ["job": "\(scheduled.job.name)"])
            guard await pause(until: wake) else { break }
        }
    }

    /// Sleeps until `deadline` on the service's clock; false when graceful shutdown or cancellation
    /// woke it (`cancelWhenGracefulShutdown` cancels the sleep).
    private func pause(until deadline: Date) async -> Bool {
        guard !shuttingDown else { return false }
        let clock = self.clock
        do {
            try await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline) }
        } catch {
            return false
        }
        return !shuttingDown && !Task.isCancelled
    }

    /// Runs what is due now for every job (or the named ones) and returns what happened.
    public func runOnce(jobs names: [String]? = nil) async -> [PartitionOutcome] {
        let chosen = names.map { names in jobs.filter { names.contains($0.job.name) } } ?? jobs
        let now = clock.now()
        let permits = Permits(options.concurrency)
        return await noticingShutdown { await self.runDue(chosen, asOf: now, permits: permits) }
    }

    /// When each job runs next, as of the last look (or computed now when the service has not run).
    public func nextRun(of name: String) -> Date? {
        nextRuns[name] ?? jobs.first { $0.job.name == name }?.job.nextRun(after: clock.now())
    }

    private func runDue(_ chosen: [ScheduledJob], asOf now: Date, permits: Permits) async -> [PartitionOutcome] {
        var work: [(ScheduledJob, PartitionDefinition.Key)] = []
        for scheduled in chosen {
            do {
                let keys = try await scheduled.dueKeys(asOf: now)
                metrics.setDue(job: scheduled.job.name, count: keys.count, at: now)
                if !keys.isEmpty {
                    options.events?(.due(job: scheduled.job.name, keys: keys))
                    logger.info("\(keys.count) partition(s) due", metadata: ["job": "\(scheduled.job.name)"])
                }
                work += keys.map { (scheduled, $0) }
            } catch {
                logger.error("cannot read what is due: \(error)", metadata: ["job": "\(scheduled.job.name)"])
            }
        }
        return await load(work, permits: permits, force: false)
    }

    /// Loads `keys` of `name` now, whatever the ledger says (a re-load replaces), `parallel` at once.
    public func backfill(job name: String, keys: [PartitionDefinition.Key], parallel: Int) async throws
        -> [PartitionOutcome]
    {
        let scheduled = try job(named: name)
        let work = keys.map { (scheduled, $0) }
        return await noticingShutdown { await self.load(work, permits: Permits(parallel), force: true) }
    }

    /// Starts the partitions in order, each once it has a permit; none starts once shutting down.
    private func load(_ work: [(ScheduledJob, PartitionDefinition.Key)], permits: Permits, force: Bool) async
        -> [PartitionOutcome]
    {
        await withTaskGroup(of: PartitionOutcome?.self) { group in
            for (scheduled, key) in work {
                guard !shuttingDown, await permits.acquire() else { break }
                if shuttingDown {
                    permits.release()
                    break
                }
                group.addTask {
                    let outcome = await self.loadPartition(scheduled, key, force: force)
                    permits.release()
                    return outcome
                }
            }
            var outcomes: [PartitionOutcome] = []
            for await outcome in group {
                if let outcome { outcomes.append(outcome) }
            }
            return outcomes
        }
    }

    private func markRunning(_ job: String, _ key: PartitionDefinition.Key, _ on: Bool) {
        if on { running[job, default: []].insert(key) } else { running[job]?.remove(key) }
    }

    /// One partition: its lock, a fresh look at the ledger, then attempts with backoff.
    private func loadPartition(_ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, force: Bool) async
        -> PartitionOutcome?
    {
        let job = scheduled.job
        let warehouse = scheduled.warehouse
        var outcome = PartitionOutcome(job: job.name, key: key, result: .failed, attempts: 0)
        guard let spec = job.partitions.spec(for: key) else {
            outcome.error = "\(key) is not a partition of the job"
            return outcome
        }
        let locked: Bool
        do {
            locked = try await warehouse.tryLock(job: job.name, table: job.table, partition: key.description)
        } catch {
            outcome.error = "cannot take the partition's lock: \(error)"
            options.events?(.finished(outcome))
            return outcome
        }
        guard locked else {
            outcome.result = .loadedElsewhere
            logger.info("another instance is loading it", metadata: ["job": "\(job.name)", "partition": "\(key)"])
            options.events?(.finished(outcome))
            return outcome
        }
        let result = await attempts(scheduled, key, spec: spec, force: force, outcome: outcome)
        // Released even when this task was cancelled: a new task does not inherit the cancellation.
        await Task { await warehouse.unlock(job: job.name, table: job.table, partition: key.description) }.value
        options.events?(.finished(result))
        return result
    }

    /// The attempts at one partition, under its lock.
    private func attempts(
        _ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, spec: PartitionSpec, force: Bool,
        outcome start: PartitionOutcome
    ) async -> PartitionOutcome {
        let job = scheduled.job
        var outcome = start
        if !force {
            // Another instance may have loaded it between our look and our lock.
            do {
                if try await scheduled.warehouse.isLoaded(job.table, partition: spec) {
                    outcome.result = .loadedElsewhere
                    return outcome
                }
            } catch {
                // The load itself checks the ledger again under the partition's lock.
                logger.warning(
                    "cannot read the ledger before loading: \(error)",
                    metadata: ["job": "\(job.name)", "partition": "\(key)"])
            }
        }

        markRunning(job.name, key, true)
        metrics.started()
        defer {
            markRunning(job.name, key, false)
            metrics.finished()
        }
        for attempt in 1...job.retry.attempts {
            if attempt > 1 {
                // Shutdown ends the wait: no new attempt starts, and the partition stays due.
                guard await pause(until: clock.now().addingTimeInterval(job.retry.delay(after: attempt - 1))) else {
                    outcome.result = .cancelled
                    break
                }
            }
            outcome.attempts = attempt
            options.events?(.attemptStarted(job: job.name, key: key, attempt: attempt))
            let started = clock.now()
            do {
                let source = PartitionSource(
                    job: job, key: key, awsEnvironment: options.awsEnvironment, caBundle: options.caBundle,
                    processEnvironment: options.processEnvironment, logger: logger)
                let report = try await scheduled.load(source, partition: spec, exactlyOnce: !force)
                if report.alreadyLoaded {
                    // Another instance committed it while this one staged: rolled back, nothing changed.
                    outcome.result = .loadedElsewhere
                    await record(
                        scheduled, key, attempt, .skipped, report: nil,
                        error: "loaded by another instance meanwhile", started: started)
                    break
                }
                outcome.result = report.skipped ? .skipped : .loaded
                outcome.rows = report.rows
                outcome.error = nil
                await record(
                    scheduled, key, attempt, report.skipped ? .skipped : .ok, report: report, error: nil,
                    started: started)
                break
            } catch {
                let cancelled = Task.isCancelled || Self.isCancellation(error)
                let text = Self.describe(error)
                outcome.error = text
                await record(
                    scheduled, key, attempt, cancelled ? .cancelled : .failed, report: nil,
                    error: text, started: started)
                if cancelled {
                    outcome.result = .cancelled
                    break
                }
                let wouldRetry = attempt < job.retry.attempts && Self.isRetryable(error)
                if wouldRetry && shuttingDown {
                    // Shutdown stops the retry: no new attempt, and the partition stays due.
                    outcome.result = .cancelled
                    options.events?(
                        .attemptFailed(job: job.name, key: key, attempt: attempt, error: text, retryAt: nil))
                    break
                }
                outcome.result = .failed
                let retry = wouldRetry
                let retryAt = retry ? clock.now().addingTimeInterval(job.retry.delay(after: attempt)) : nil
                options.events?(
                    .attemptFailed(job: job.name, key: key, attempt: attempt, error: text, retryAt: retryAt))
                logger.warning(
                    "attempt \(attempt) failed: \(text)", metadata: ["job": "\(job.name)", "partition": "\(key)"])
                if !retry { break }
            }
        }
        return outcome
    }

    /// Writes the attempt (in a task of its own, so a cancelled load still gets its row) and counts it.
    private func record(
        _ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, _ attempt: Int,
        _ outcome: AttemptLog.Outcome, report: LoadReport?, error: String?, started: Date
    ) async {
        metrics.recordAttempt(job: scheduled.job.name, outcome: outcome, report: report)
        let row = AttemptLog.Attempt(
            job: scheduled.job.name, partition: key.description, attempt: attempt, outcome: outcome,
            loadID: report?.loadID.rawValue, rows: report?.rows, error: error, instance: options.instance,
            startedAt: started, finishedAt: clock.now(), conflictRetries: report?.conflictRetries ?? 0)
        let logger = self.logger
        await Task {
            do {
                try await scheduled.warehouse.record(row, table: scheduled.job.table)
            } catch {
                logger.error(
                    "cannot record the attempt: \(error)",
                    metadata: ["job": "\(row.job)", "partition": "\(row.partition)"])
            }
        }.value
    }

    /// The text recorded and shown for a failed attempt: a source's own failure as the source tells
    /// it (it names the job and partition), not wrapped in the load's step.
    static func describe(_ error: any Error) -> String {
        if let error = error as? StevedoreError, let source = error.underlying as? SchedulerError { return "\(source)" }
        return "\(error)"
    }

    /// A cancelled load (shutdown after the grace period), however deep the cancellation surfaced.
    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? StevedoreError, let underlying = error.underlying { return isCancellation(underlying) }
        return false
    }

    /// Whether trying again could help: not for input that cannot load or a schema that cannot take it.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? StevedoreError else { return true }
        return ![.input, .invalidRequest, .incompatibleSchema, .rowOutsidePartition, .duplicateMergeKey].contains(
            error.code)
    }

    // MARK: status

    /// `job`'s partitions with their state (the newest `windows` windows when given).
    public func status(of name: String, windows: Int? = nil) async throws -> JobStatus {
        let scheduled = try job(named: name)
        var status = try await scheduled.status(asOf: clock.now(), windows: windows, running: running[name] ?? [])
        status.nextRun = nextRun(of: name)
        return status
    }
}
