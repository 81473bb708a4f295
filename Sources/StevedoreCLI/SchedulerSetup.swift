import ArgumentParser
import Foundation
import Logging
import Scheduler
import Stevedore
import Warehouse

/// The jobs of `stevedore.yml`, each with its Loader and the scheduler's session for its warehouse,
/// for `schedule` and `backfill`.
struct SchedulerSetup {
    let file: ConfigurationFile
    let jobs: [ScheduledJob]
    /// One session per warehouse, shared by its jobs.
    let warehouses: [SchedulerWarehouse]

    init(target: TargetOptions, verbose: Bool) throws {
        let environment = ProcessInfo.processInfo.environment
        file = try ConfigurationFile.load(path: target.config, environment: environment)
        guard !file.jobs.isEmpty else {
            throw Failure.usageError((file.path.map { "\($0) has" } ?? "there is no stevedore.yml, so there are")
                                        + " no jobs: add a 'jobs' section (see docs/scheduling.md)")
        }
        var logger = Logger(label: "stevedore.scheduler")
        logger.logLevel = verbose ? .info : .warning
        var sessions: [String: SchedulerWarehouse] = [:]
        var jobs: [ScheduledJob] = []
        for entry in file.jobs {
            var jobTarget = target
            jobTarget.warehouse = target.warehouse ?? entry.warehouse
            jobTarget.stage = target.stage ?? entry.stage
            let loader = try jobTarget.loader(verbose: verbose)
            let session = sessions[loader.warehouse] ?? SchedulerWarehouse(
                connectionString: loader.warehouse, dialect: loader.dialect, ledger: loader.options.ledger, logger: logger)
            sessions[loader.warehouse] = session
            var job = entry.job
            if case .query(let database, let sql) = job.source {
                // A database may be a name from `warehouses`.
                let url = file.warehouses[database] ?? database
                guard !url.hasPrefix("redshift://") else {
                    throw Failure.usageError("job \(job.name): a query source reads PostgreSQL (COPY TO STDOUT), not Redshift")
                }
                job.source = .query(database: url, sql: sql)
            }
            jobs.append(ScheduledJob(job: job, loader: loader, warehouse: session))
        }
        self.jobs = jobs
        warehouses = Array(sessions.values)
    }

    func service(concurrency: Int?, events: (@Sendable (ServiceEvent) -> Void)?, verbose: Bool) throws -> ScheduleService {
        var options = ScheduleService.Options()
        options.concurrency = concurrency ?? file.scheduler.concurrency ?? 2
        options.events = events
        var logger = Logger(label: "stevedore.scheduler")
        logger.logLevel = verbose ? .info : .warning
        do {
            return try ScheduleService(jobs: jobs, options: options, logger: logger)
        } catch let error as SchedulerError {
            throw Failure.usageError("\(error)")
        }
    }

    func close() async {
        for warehouse in warehouses { await warehouse.close() }
    }
}

/// Prints the service's events: a line per partition outcome and per failed attempt on stdout,
/// or a JSON object per line with `--json`.
struct EventPrinter: Sendable {
    let json: Bool
    let quiet: Bool

    struct Line: Encodable {
        var event: String
        var job: String
        var partition: String?
        var partitions: [String]?
        var attempt: Int?
        var rows: Int?
        var error: String?
        var retryAt: String?
    }

    func print(_ event: ServiceEvent) {
        let time = ISO8601DateFormatter()
        let line: Line
        let text: String?
        switch event {
        case .due(let job, let keys):
            line = Line(event: "due", job: job, partitions: keys.map(\.description))
            text = "\(job): \(keys.count) partition(s) due: \(keys.map(\.description).joined(separator: ", "))"
        case .attemptStarted(let job, let key, let attempt):
            line = Line(event: "started", job: job, partition: key.description, attempt: attempt)
            text = "\(job) \(key): loading" + (attempt > 1 ? " (attempt \(attempt))" : "")
        case .attemptFailed(let job, let key, let attempt, let error, let retryAt):
            line = Line(event: "attempt_failed", job: job, partition: key.description, attempt: attempt, error: error,
                        retryAt: retryAt.map(time.string(from:)))
            text = "\(job) \(key): attempt \(attempt) failed: \(error)"
                + (retryAt.map { "; retrying at \(time.string(from: $0))" } ?? "")
        case .finished(let outcome):
            line = Line(event: outcome.result.rawValue, job: outcome.job, partition: outcome.key.description,
                        attempt: outcome.attempts, rows: outcome.rows, error: outcome.error)
            switch outcome.result {
            case .loaded: text = "\(outcome.job) \(outcome.key): loaded \(outcome.rows ?? 0) rows"
            case .skipped: text = "\(outcome.job) \(outcome.key): unchanged, skipped"
            case .failed: text = "\(outcome.job) \(outcome.key): FAILED after \(outcome.attempts) attempt(s): \(outcome.error ?? "")"
            case .cancelled: text = "\(outcome.job) \(outcome.key): stopped at shutdown, rolled back (due again)"
            case .loadedElsewhere: text = nil
            }
        }
        // Unbuffered, so a supervisor or a pipe sees each line as it happens.
        if json {
            FileHandle.standardOutput.write(Data((ReportJSON.encode(line) + "\n").utf8))
        } else if let text, !quiet {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }
}
