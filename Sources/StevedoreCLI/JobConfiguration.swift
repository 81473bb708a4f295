import Foundation
import Frames
import Scheduler
import Stevedore
import Warehouse

/// One job of `stevedore.yml`'s `jobs`, with the warehouse and stage it names (nil: the defaults).
struct JobEntry: Sendable, Hashable {
    var job: Job
    var warehouse: String?
    var stage: String?
}

/// The service's settings of `stevedore.yml`'s `scheduler` section.
struct SchedulerSettings: Sendable, Hashable {
    var concurrency: Int?
    var grace: TimeInterval?
    var listen: String?
}

/// Gives the `jobs` and `scheduler` sections of `stevedore.yml` (docs/scheduling.md), as
/// `ConfigurationDocument` decoded them, their meaning: `Job` values and `SchedulerSettings`.
///
///     jobs:
///       daily_sales:
///         table: analytics.sales
///         partitions:
///           - name: date
///             daily: 2026-01-01
///             column: sale_date
///             timezone: Europe/Amsterdam
///             offset: 2h
///           - name: region
///             values: [eu, us]
///         schedule: "30 2 * * *"
///         source:
///           file: data/sales/{date}/{region}.csv
///
/// Every error names the file, the job and the key.
struct JobConfiguration {
    let path: String
    let expand: (String, String) throws -> String

    func error(_ job: String?, _ message: String) -> StevedoreError {
        Failure.usageError("\(path): " + (job.map { "job \($0): " } ?? "") + message)
    }

    func scheduler(_ section: SchedulerSection?) throws -> SchedulerSettings {
        guard let section else { return SchedulerSettings() }
        var settings = SchedulerSettings()
        if let concurrency = section.concurrency {
            settings.concurrency = try number(concurrency, job: nil, key: "scheduler.concurrency")
        }
        if let grace = section.grace { settings.grace = try duration(grace, job: nil, key: "scheduler.grace") }
        if let listen = section.listen { settings.listen = try expand(listen, "scheduler.listen") }
        return settings
    }

    /// A job's text value with `${VAR}` expanded; nil when absent, an error when `required`.
    private func string(_ value: String?, _ key: String, job: String, required: Bool = false) throws -> String? {
        guard let value else {
            if required { throw error(job, "'\(key)' is missing") }
            return nil
        }
        return try expand(value, "jobs.\(job).\(key)")
    }

    /// A whole number of at least `minimum`, or an error naming the key.
    private func number(_ text: String, job: String?, key: String, minimum: Int = 1) throws -> Int {
        guard let number = Int(text), number >= minimum else {
            throw error(job, "\(key) must be a whole number ≥ \(minimum), not '\(text)'")
        }
        return number
    }

    /// `true` or `false` (also `yes`/`no`, `on`/`off`), or an error naming the key.
    private func flag(_ text: String, job: String?, key: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(job, "\(key) must be true or false, not '\(text)'")
        }
    }

    func job(_ section: JobSection) throws -> JobEntry {
        let name = section.name
        let tableName = try string(section.table, "table", job: name, required: true)!
        let table: TableRef
        do {
            table = try TableRef(parsing: tableName)
        } catch {
            throw self.error(name, "table '\(tableName)': \(error)")
        }
        let partitions = try self.partitions(section.partitions, job: name)
        let scheduleZone = try timeZone(try string(section.timezone, "timezone", job: name) ?? "UTC", job: name)
        var schedule: CronSchedule?
        if let expression = try string(section.schedule, "schedule", job: name) {
            do {
                schedule = try CronSchedule(expression, timeZone: scheduleZone)
            } catch {
                throw self.error(name, "\(error)")
            }
        }
        var job = Job(
            name: name, table: table, partitions: partitions, source: try source(section.source, job: name),
            schedule: schedule)
        switch try string(section.mode, "mode", job: name) ?? "partition" {
        case "partition", "replace_partition": job.mode = .replacePartition
        case "append": job.mode = .append
        case "merge":
            guard let keys = section.keys, !keys.isEmpty else {
                throw error(name, "mode merge needs 'keys: [column, …]'")
            }
            job.mode = .merge(keys: keys)
        case let other: throw error(name, "mode '\(other)' is not one of partition, append, merge")
        }
        if let retry = section.retry {
            var backoff = RetryBackoff()
            if let attempts = retry.attempts {
                backoff.attempts = try number(attempts, job: name, key: "retry.attempts")
            }
            if let value = retry.backoff { backoff.initialDelay = try duration(value, job: name, key: "retry.backoff") }
            if let value = retry.maxBackoff {
                backoff.maxDelay = try duration(value, job: name, key: "retry.max_backoff")
            }
            job.retry = backoff
        }
        if let catchUp = section.catchUp {
            job.catchUp = try number(catchUp, job: name, key: "catch_up")
        }
        if let skip = section.skipUnchanged {
            job.skipUnchanged = try flag(skip, job: name, key: "skip_unchanged")
        }
        job.tableDesign = try tableDesign(section, job: name)
        if let text = try string(section.partSize, "part_size", job: name) {
            guard let bytes = ByteSize.parse(text) else {
                throw error(name, "part_size '\(text)' is not a size such as 64MiB, 100MB or 1048576")
            }
            job.partSize = bytes
        }
        do {
            try job.validate()
        } catch {
            throw self.error(nil, "\(error)")
        }
        return JobEntry(
            job: job, warehouse: try string(section.warehouse, "warehouse", job: name),
            stage: try string(section.stage, "stage", job: name))
    }

    /// `dist_key`, `dist_style` and `sort_key`: how a table the job creates is laid out (Redshift).
    private func tableDesign(_ section: JobSection, job: String) throws -> TableDesign {
        var design = TableDesign()
        design.distributionKey = try string(section.distKey, "dist_key", job: job)
        if let text = try string(section.distStyle, "dist_style", job: job) {
            guard let style = TableDesign.DistributionStyle(rawValue: text.lowercased()) else {
                let known = TableDesign.DistributionStyle.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(job, "dist_style '\(text)' is not one of \(known)")
            }
            design.distributionStyle = style
        }
        design.sortKeys = try (section.sortKey ?? []).enumerated().map {
            try string($0.element, "sort_key[\($0.offset)]", job: job) ?? $0.element
        }
        return design
    }

    private func timeZone(_ identifier: String, job: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw error(job, "unknown time zone '\(identifier)' (use an IANA name such as Europe/Amsterdam)")
        }
        return zone
    }

    /// `90`, `90s`, `15m`, `2h`, `1d`.
    private func duration(_ text: String, job: String?, key: String) throws -> TimeInterval {
        guard let seconds = Durations.seconds(text) else {
            throw error(job, "\(key) '\(text)' is not a duration (90s, 15m, 2h, 1d)")
        }
        return seconds
    }

    private func partitions(_ dimensions: [DimensionSection]?, job: String) throws -> PartitionDefinition {
        guard let dimensions else { throw error(job, "'partitions' is missing") }
        return PartitionDefinition(try dimensions.map { try dimension($0, job: job) })
    }

    private func dimension(_ section: DimensionSection, job: String) throws -> PartitionDefinition.Dimension {
        let at = "partitions[\(section.index)]"
        guard section.cadences.count + (section.values == nil ? 0 : 1) == 1 else {
            throw error(
                job, "\(at) needs exactly one of hourly, daily, weekly, monthly (with the first window) or values")
        }
        if let values = section.values {
            guard !values.isEmpty else { throw error(job, "\(at).values must be a list") }
            let column =
                try string(section.column, "column", job: job) ?? (try string(section.name, "name", job: job)) ?? ""
            guard !column.isEmpty else { throw error(job, "\(at) needs a name or a column") }
            let name = try string(section.name, "name", job: job) ?? column
            return .init(name: name, column: column, keys: .values(values))
        }
        let (cadenceName, startText) = section.cadences[0]
        let cadence = TimeWindowPartitions.Cadence(rawValue: cadenceName)!
        let defaultName = ["hourly": "hour", "daily": "date", "weekly": "week", "monthly": "month"][cadence.rawValue]!
        let name = try string(section.name, "name", job: job) ?? defaultName
        let column = try string(section.column, "column", job: job) ?? name
        let zone = try timeZone(try string(section.timezone, "timezone", job: job) ?? "UTC", job: job)
        func instant(_ key: String, _ text: String?) throws -> Date? {
            guard let text else { return nil }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            for format in [
                "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM",
            ] {
                formatter.dateFormat = format
                if let date = formatter.date(from: text) { return date }
            }
            throw error(job, "\(at).\(key) '\(text)' is not a date (2026-01-01, or 2026-01-01T06:00 in the time zone)")
        }
        var windows = TimeWindowPartitions(
            cadence: cadence, start: try instant(cadenceName, startText)!,
            end: try instant("end", section.end), timeZone: zone)
        if let offset = section.offset {
            windows.completionOffset = try duration(offset, job: job, key: "\(at).offset")
        }
        if let first = try string(section.weekStarts, "week_starts", job: job) {
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            guard let day = days.firstIndex(of: first.lowercased()) else {
                throw error(job, "\(at).week_starts must be a weekday")
            }
            windows.firstWeekday = day + 1
        }
        let type =
            try string(section.columnType, "column_type", job: job) ?? (cadence == .hourly ? "timestamp" : "date")
        guard type == "date" || type == "timestamp" else {
            throw error(job, "\(at).column_type must be date or timestamp")
        }
        if cadence == .hourly && type == "date" { throw error(job, "\(at): hourly partitions need a timestamp column") }
        return .init(name: name, column: column, keys: .time(windows, columnIsDate: type == "date"))
    }

    private func source(_ section: SourceSection?, job: String) throws -> JobSource {
        guard let section else {
            throw error(job, "'source' must be a mapping with one of file, glob, objects, command, query")
        }
        guard section.kinds.count == 1 else {
            throw error(job, "source needs exactly one of file, glob, objects, command, query")
        }
        var settings = section.dialect
        settings.format = try string(section.format, "format", job: job)
        for key in [\CSVSettings.delimiter, \.quote, \.escape, \.null, \.encoding, \.names] {
            settings[keyPath: key] = try settings[keyPath: key].map { try expand($0, "jobs.\(job).source") }
        }
        if let header = try string(section.header, "header", job: job) {
            settings.header = try flag(header, job: job, key: "source.header")
        }
        let format: SourceFormat
        do {
            format = try settings.sourceFormat(CSVSettings.keys)
        } catch {
            throw self.error(job, error.message)
        }
        let (kind, written) = section.kinds[0]
        // A command's ${VAR} is left for the shell to expand when it runs: the job's text (shown by
        // `schedule list`, in errors and in the attempts table) then never holds the value.
        let text = kind == "command" ? written : try string(written, kind, job: job)!
        switch kind {
        case "file", "glob": return .files(pattern: text, format: format)
        case "objects": return .objects(url: text, format: format)
        case "command":
            return .command(
                text, format: format, workingDirectory: try string(section.directory, "directory", job: job))
        default:
            guard let database = try string(section.database, "database", job: job) else {
                throw error(job, "a query source needs 'database': a postgres:// URL or a name from warehouses")
            }
            return .query(database: database, sql: text)
        }
    }
}
