import ArgumentParser
import Blocking
import Foundation
import Logging
import Scheduler
import Stevedore
import Warehouse

/// The jobs of `stevedore.yml`, each with its Loader and the scheduler's session for its warehouse,
/// for `schedule` and `backfill`.
struct SchedulerSetup {
    let file: ConfigurationFile
    /// `--ca-bundle`, for the jobs' S3 object sources as for their stages.
    let caBundle: String?
    let jobs: [ScheduledJob]
    /// One session per warehouse URL, shared by its jobs.
    let warehouses: [SchedulerWarehouse]
    /// One IAM login per warehouse URL, shared by its jobs and its session.
    let logins: WarehouseLogins
    /// The service's defaults, made on the blocking pool: they read the AWS profile files.
    private let defaultOptions: ScheduleService.Options

    init(target: TargetOptions, verbose: Bool) async throws {
        let environment = ProcessInfo.processInfo.environment
        file = try await TargetOptions.configuration(target.config, environment: environment)
        caBundle = target.caBundle
        defaultOptions = try await BlockingPool.shared.run { ScheduleService.Options() }
        guard !file.jobs.isEmpty else {
            throw Failure.usageError(
                (file.path.map { "\($0) has" } ?? "there is no stevedore.yml, so there are")
                    + " no jobs: add a 'jobs' section (see docs/scheduling.md)")
        }
        var logger = Logger(label: "stevedore.scheduler")
        logger.logLevel = verbose ? .info : .warning
        // Keyed by the URL as written: two URLs that differ only in an IAM parameter (cluster_id=,
        // workgroup=) have the same connection string but are different logins.
        var sessions: [String: SchedulerWarehouse] = [:]
        var jobs: [ScheduledJob] = []
        let logins = WarehouseLogins()
        self.logins = logins
        for entry in file.jobs {
            var jobTarget = target
            jobTarget.warehouse = target.warehouse ?? entry.warehouse
            jobTarget.stage = target.stage ?? entry.stage
            let url = jobTarget.warehouseURL(file, environment: environment)
            let loader = try await jobTarget.loader(verbose: verbose, file: file, logins: logins)
            let session =
                sessions[url]
                ?? SchedulerWarehouse(
                    connectionString: loader.warehouse, dialect: loader.dialect, ledger: loader.options.ledger,
                    logger: logger, login: loader.login)
            sessions[url] = session
            var job = entry.job
            if let refusal = loader.dialect.refusal(ofTableDesign: job.tableDesign) {
                throw Failure.usageError("job \(job.name): \(refusal)")
            }
            if let bytes = job.partSize, let refusal = loader.refusal(ofPartSize: bytes) {
                throw Failure.usageError("job \(job.name): part_size: \(refusal)")
            }
            if case .query(let database, let sql) = job.source {
                // A database may be a name from `warehouses`.
                let url = file.warehouses[database] ?? database
                // The query streams through COPY TO STDOUT, which only a client-route warehouse has.
                guard case .client = Locations.warehouse(url).dialect.copyRoute else {
                    throw Failure.usageError(
                        "job \(job.name): a query source reads PostgreSQL (COPY TO STDOUT), not Redshift")
                }
                job.source = .query(database: url, sql: sql)
            }
            jobs.append(ScheduledJob(job: job, loader: loader, warehouse: session))
        }
        self.jobs = jobs
        warehouses = Array(sessions.values)
    }

    func service(concurrency: Int?, events: (@Sendable (ServiceEvent) -> Void)?, verbose: Bool) throws
        -> ScheduleService
    {
        var options = defaultOptions
        options.concurrency = concurrency ?? file.scheduler.concurrency ?? 2
        options.events = events
        options.caBundle = caBundle
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
