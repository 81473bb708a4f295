import Foundation
import Logging
import ObjectStore
import Stevedore

/// What happened to one partition in a run or backfill.
public struct PartitionOutcome: Sendable, Hashable {
    public enum Result: String, Sendable, Hashable {
        /// Loaded (committed), or skipped because its rows equal the last load.
        case loaded, skipped
        /// Every attempt failed; `error` is the last one's.
        case failed
        /// Stopped at shutdown before it committed: untouched, due again.
        case cancelled
        /// Another instance held its lock, or had loaded it by the time the lock was free.
        case loadedElsewhere
    }

    public var job: String
    public var key: PartitionDefinition.Key
    public var result: Result
    public var attempts: Int
    public var rows: Int?
    public var error: String?
}

/// Something the service did, for progress on a terminal or in logs.
public enum ServiceEvent: Sendable {
    case due(job: String, keys: [PartitionDefinition.Key])
    case attemptStarted(job: String, key: PartitionDefinition.Key, attempt: Int)
    case attemptFailed(job: String, key: PartitionDefinition.Key, attempt: Int, error: String, retryAt: Date?)
    case finished(PartitionOutcome)
}

/// The scheduler service: from each job's partitions and the ledger it finds what is due (complete
/// and not loaded, within the catch-up limit), loads it with bounded concurrency under a per
/// job+partition lock in the warehouse, retries failures with exponential backoff, and records every
/// attempt. `run` repeats that at each job's next run time until `shutdown`.
public actor ScheduleService {
    /// How the service runs.
    public struct Options: Sendable {
        /// Partitions loaded at once, over all jobs.
        public var concurrency = 2
        /// Who is running, recorded with each attempt (`host:pid` by default).
        public var instance = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        /// S3 credentials and endpoint for object sources.
        public var awsEnvironment = AWSEnvironment()
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
    private var stopping = false
    private var sleeper: Task<Void, any Error>?
    private var running: [String: Set<PartitionDefinition.Key>] = [:]
    private var nextRuns: [String: Date] = [:]

    public init(jobs: [ScheduledJob], clock: any SchedulerClock = SystemClock(), options: Options = Options(),
                metrics: ServiceMetrics? = nil, logger: Logger = Logger(label: "stevedore.scheduler")) throws {
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
            throw SchedulerError(code: .notFound, message: "no job called '\(name)' (jobs: "
                                    + jobs.map(\.job.name).joined(separator: ", ") + ")")
        }
        return job
    }

    /// Whether `shutdown` was asked for.
    public var isStopping: Bool { stopping }

    // MARK: running

    /// Runs what is due now, then again at each job's next run time, until `shutdown`. Returns when
    /// the loads in flight have finished (or, if the caller cancels this task, rolled back).
    public func run() async {
        var due = Set(jobs.map(\.job.name))
        while !stopping && !Task.isCancelled {
            let now = clock.now()
            _ = await runDue(jobs.filter { due.contains($0.job.name) }, asOf: now)
            guard !stopping && !Task.isCancelled else { break }
            let after = clock.now()
            for scheduled in jobs {
                nextRuns[scheduled.job.name] = scheduled.job.nextRun(after: max(after, now))
            }
            // With no run ahead (every job's windows have ended), idle until shut down, looking
            // again each day: the service keeps serving its status until it is stopped.
            let wake = nextRuns.values.min() ?? max(after, now).addingTimeInterval(86400)
            due = Set(nextRuns.filter { $0.value <= wake }.map(\.key))
            logger.info("next look at \(ISO8601DateFormatter().string(from: wake))", metadata: ["jobs": "\(due.sorted())"])
            let clock = self.clock
            let sleeper = Task { try await clock.sleep(until: wake) }
            self.sleeper = sleeper
            do {
                try await withTaskCancellationHandler {
                    try await sleeper.value
                } onCancel: {
                    sleeper.cancel()
                }
            } catch {
                break
            }
        }
    }

    /// Runs what is due now for every job (or the named ones) and returns what happened.
    public func runOnce(jobs names: [String]? = nil) async -> [PartitionOutcome] {
        let chosen = names.map { names in jobs.filter { names.contains($0.job.name) } } ?? jobs
        return await runDue(chosen, asOf: clock.now())
    }

    /// Stops taking new work: no new partition or retry starts, and `run` returns once the loads in
    /// flight end. (To roll those back, cancel the task running `run`.)
    public func shutdown() {
        stopping = true
        sleeper?.cancel()
    }

    /// When each job runs next, as of the last look (or computed now when the service has not run).
    public func nextRun(of name: String) -> Date? {
        nextRuns[name] ?? jobs.first { $0.job.name == name }?.job.nextRun(after: clock.now())
    }

    private func runDue(_ chosen: [ScheduledJob], asOf now: Date) async -> [PartitionOutcome] {
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
        return await load(work, concurrency: options.concurrency, force: false)
    }

    /// Loads `keys` of `name` now, whatever the ledger says (a re-load replaces), `parallel` at once.
    public func backfill(job name: String, keys: [PartitionDefinition.Key], parallel: Int) async throws
        -> [PartitionOutcome] {
        let scheduled = try job(named: name)
        return await load(keys.map { (scheduled, $0) }, concurrency: parallel, force: true)
    }

    /// Runs the partitions in order, at most `concurrency` at once; none starts once stopping.
    private func load(_ work: [(ScheduledJob, PartitionDefinition.Key)], concurrency: Int, force: Bool) async
        -> [PartitionOutcome] {
        var outcomes: [PartitionOutcome] = []
        await withTaskGroup(of: PartitionOutcome?.self) { group in
            var queue = work[...]
            var inFlight = 0
            func startNext() -> Bool {
                guard !stopping, let (scheduled, key) = queue.popFirst() else { return false }
                inFlight += 1
                group.addTask { await self.loadPartition(scheduled, key, force: force) }
                return true
            }
            while inFlight < max(1, concurrency), startNext() {}
            while let outcome = await group.next() {
                inFlight -= 1
                if let outcome { outcomes.append(outcome) }
                _ = startNext()
            }
        }
        return outcomes
    }

    private func markRunning(_ job: String, _ key: PartitionDefinition.Key, _ on: Bool) {
        if on { running[job, default: []].insert(key) } else { running[job]?.remove(key) }
    }

    /// One partition: its lock, a fresh look at the ledger, then attempts with backoff.
    private func loadPartition(_ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, force: Bool) async
        -> PartitionOutcome? {
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
    private func attempts(_ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, spec: PartitionSpec, force: Bool,
                          outcome start: PartitionOutcome) async -> PartitionOutcome {
        let job = scheduled.job
        var outcome = start
        if !force {
            // Another instance may have loaded it between our look and our lock.
            if let loads = try? await scheduled.warehouse.lastLoads(of: job.table), loads[spec.label] != nil {
                outcome.result = .loadedElsewhere
                return outcome
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
                let wait = job.retry.delay(after: attempt - 1)
                do {
                    try await clock.sleep(until: clock.now().addingTimeInterval(wait))
                } catch {
                    outcome.result = .cancelled
                    break
                }
                if stopping { break }
            }
            outcome.attempts = attempt
            options.events?(.attemptStarted(job: job.name, key: key, attempt: attempt))
            let started = clock.now()
            do {
                let source = try await PartitionSource(
                    job: job, key: key, awsEnvironment: options.awsEnvironment,
                    processEnvironment: options.processEnvironment, logger: logger).open()
                let report = try await scheduled.loader.store(source, into: job.table, partition: spec, mode: job.mode)
                outcome.result = report.skipped ? .skipped : .loaded
                outcome.rows = report.rows
                outcome.error = nil
                await record(scheduled, key, attempt, report.skipped ? .skipped : .ok, report: report, error: nil,
                             started: started)
                break
            } catch {
                let cancelled = Task.isCancelled || Self.isCancellation(error)
                outcome.error = "\(error)"
                await record(scheduled, key, attempt, cancelled ? .cancelled : .failed, report: nil,
                             error: "\(error)", started: started)
                if cancelled {
                    outcome.result = .cancelled
                    break
                }
                outcome.result = .failed
                let retry = attempt < job.retry.attempts && Self.isRetryable(error) && !stopping
                let retryAt = retry ? clock.now().addingTimeInterval(job.retry.delay(after: attempt)) : nil
                options.events?(.attemptFailed(job: job.name, key: key, attempt: attempt, error: "\(error)", retryAt: retryAt))
                logger.warning("attempt \(attempt) failed: \(error)", metadata: ["job": "\(job.name)", "partition": "\(key)"])
                if !retry { break }
            }
        }
        return outcome
    }

    /// Writes the attempt (in a task of its own, so a cancelled load still gets its row) and counts it.
    private func record(_ scheduled: ScheduledJob, _ key: PartitionDefinition.Key, _ attempt: Int,
                        _ outcome: AttemptLog.Outcome, report: LoadReport?, error: String?, started: Date) async {
        metrics.recordAttempt(job: scheduled.job.name, outcome: outcome, report: report)
        let row = AttemptLog.Attempt(
            job: scheduled.job.name, partition: key.description, attempt: attempt, outcome: outcome,
            loadID: report?.loadID.rawValue, rows: report?.rows, error: error, instance: options.instance,
            startedAt: started, finishedAt: clock.now())
        let logger = self.logger
        await Task {
            do {
                try await scheduled.warehouse.record(row, table: scheduled.job.table)
            } catch {
                logger.error("cannot record the attempt: \(error)", metadata: ["job": "\(row.job)", "partition": "\(row.partition)"])
            }
        }.value
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
        return ![.input, .invalidRequest, .incompatibleSchema, .rowOutsidePartition, .duplicateMergeKey].contains(error.code)
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
