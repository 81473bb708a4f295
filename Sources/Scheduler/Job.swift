import Foundation
import Frames
import Stevedore
import Warehouse

/// A scheduled job: which table it keeps up to date, how that table is partitioned, where each
/// partition's rows come from, when it runs, and how it retries. `stevedore.yml` lists them under `jobs`.
public struct Job: Sendable, Hashable {
    public var name: String
    public var table: TableRef
    public var partitions: PartitionDefinition
    /// How each partition is written (default: the partition is replaced).
    public var mode: WriteMode
    public var source: JobSource
    /// When the service looks for due partitions; nil means as each time window completes.
    public var schedule: CronSchedule?
    public var retry: RetryBackoff
    /// How many of the newest windows the service looks back over for missing partitions after a
    /// downtime; older ones are left to `stevedore backfill`.
    public var catchUp: Int
    /// Skip the COPY (attempt recorded as skipped) when the rows equal the partition's last load.
    public var skipUnchanged: Bool
    /// How the table is laid out when a load of this job creates it (Redshift only).
    public var tableDesign = TableDesign()
    /// The compressed size its staged parts rotate at, whatever the warehouse (`--part-size`);
    /// nil: the loader's choice (on Redshift, sized for the cluster's slices).
    public var partSize: Int?

    public init(
        name: String, table: TableRef, partitions: PartitionDefinition, mode: WriteMode = .replacePartition,
        source: JobSource, schedule: CronSchedule? = nil, retry: RetryBackoff = RetryBackoff(),
        catchUp: Int = 30, skipUnchanged: Bool = false
    ) {
        self.name = name
        self.table = table
        self.partitions = partitions
        self.mode = mode
        self.source = source
        self.schedule = schedule
        self.retry = retry
        self.catchUp = catchUp
        self.skipUnchanged = skipUnchanged
    }

    /// Checks what can be checked without running: names, placeholders, a catch-up of at least one.
    public func validate() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else {
            throw SchedulerError.invalidConfiguration(
                "job name '\(name)' may hold only letters, digits, '_', '-' and '.'", job: name)
        }
        guard !partitions.dimensions.isEmpty else {
            throw SchedulerError.invalidConfiguration("the job has no partition dimensions", job: name)
        }
        if case .query(_, let sql) = source, let inside = PartitionPlaceholders.placeholdersInsideLiterals(sql).first {
            throw SchedulerError.invalidConfiguration(
                "the query has {\(inside)} inside a quoted string; write it alone ('{\(inside)}' or {\(inside)}) "
                    + "and build the text in SQL, e.g. 'raw/' || {\(inside)} || '%'", job: name)
        }
        if let problem = tableDesign.combinationProblem {
            throw SchedulerError.invalidConfiguration(problem, job: name)
        }
        guard catchUp >= 1 else {
            throw SchedulerError.invalidConfiguration("catch_up must be at least 1", job: name)
        }
        let known = PartitionPlaceholders.names(for: partitions)
        for template in source.templates {
            for used in PartitionPlaceholders.placeholders(in: template)
            where !PartitionPlaceholders.isKnown(used, in: partitions) {
                throw SchedulerError.invalidConfiguration(
                    "the source uses {\(used)}, which is not a placeholder of this job (known: "
                        + known.sorted().map { "{\($0)}" }.joined(separator: ", ")
                        + ", and {name:format} for a time dimension)", job: name)
            }
        }
    }

    /// The next time the service should look at this job after `instant`: the schedule's next run,
    /// or the moment the next time window completes.
    public func nextRun(after instant: Date) -> Date? {
        if let schedule { return schedule.nextDate(after: instant) }
        var next: Date?
        for dimension in partitions.dimensions {
            guard case .time(let windows, _) = dimension.keys else { continue }
            var window = windows.window(containing: instant.addingTimeInterval(-windows.completionOffset))
            while window.end.addingTimeInterval(windows.completionOffset) <= instant {
                window = windows.window(after: window)
            }
            let completes = window.end.addingTimeInterval(windows.completionOffset)
            if let end = windows.end, window.start >= end { continue }
            next = min(next ?? completes, completes)
        }
        return next
    }

    /// The keys the service considers: complete partitions of the newest `catchUp` time windows
    /// (every key when the job has no time dimension), oldest first.
    public func recentKeys(asOf now: Date) -> [PartitionDefinition.Key] {
        partitions.keys(asOf: now, latestWindows: catchUp)
    }
}

/// Where a job's partition rows come from. Text may hold placeholders (`{partition}`, `{date}`, …)
/// that `PartitionPlaceholders` fills in for each key.
public enum JobSource: Sendable, Hashable {
    /// A local file, or every file a glob (`*`, `?`, `[…]`, `**`) matches, read in name order.
    case files(pattern: String, format: SourceFormat)
    /// The objects of an object store whose keys match a glob: `s3://raw/sales/{date}/*.csv.gz`.
    case objects(url: String, format: SourceFormat)
    /// A command run with `/bin/sh -c`, whose stdout is the rows; the key is in its environment too.
    case command(String, format: SourceFormat, workingDirectory: String?)
    /// A query on a PostgreSQL database, the placeholders sent as parameters, streamed with COPY TO STDOUT.
    case query(database: String, sql: String)

    /// The texts that hold placeholders.
    var templates: [String] {
        switch self {
        case .files(let pattern, _): return [pattern]
        case .objects(let url, _): return [url]
        case .command(let command, _, let directory): return [command] + (directory.map { [$0] } ?? [])
        case .query(_, let sql): return [sql]
        }
    }

    /// What the job's source is, for messages, with no secret: a query names no database URL.
    public var summary: String {
        switch self {
        case .files(let pattern, _): return "files \(pattern)"
        case .objects(let url, _): return "objects \(url)"
        case .command(let command, _, _): return "command \(command)"
        case .query: return "query"
        }
    }
}

/// Retries of a failed partition: up to `attempts` tries, waiting `initialDelay`, then twice as
/// long each time, never more than `maxDelay`.
public struct RetryBackoff: Sendable, Hashable {
    public var attempts: Int
    public var initialDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(attempts: Int = 3, initialDelay: TimeInterval = 30, maxDelay: TimeInterval = 600) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed.
    public func delay(after attempt: Int) -> TimeInterval {
        min(maxDelay, initialDelay * pow(2, Double(max(0, attempt - 1))))
    }
}
