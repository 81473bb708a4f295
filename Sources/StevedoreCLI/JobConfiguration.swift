import Foundation
import Frames
import Scheduler
import Stevedore

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

/// Reads the `jobs` and `scheduler` sections of `stevedore.yml` (docs/scheduling.md):
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

    func scheduler(_ value: Any?) throws -> SchedulerSettings {
        guard let value else { return SchedulerSettings() }
        guard let mapping = value as? [String: Any] else { throw error(nil, "'scheduler' must be a mapping") }
        try known(mapping, ["concurrency", "grace", "listen"], job: nil, section: "scheduler")
        var settings = SchedulerSettings()
        if let concurrency = mapping["concurrency"] {
            settings.concurrency = try number(concurrency, job: nil, key: "scheduler.concurrency")
        }
        if let grace = mapping["grace"] { settings.grace = try duration(grace, job: nil, key: "scheduler.grace") }
        if let listen = mapping["listen"] { settings.listen = try expand("\(listen)", "scheduler.listen") }
        return settings
    }

    func jobs(_ value: Any?) throws -> [JobEntry] {
        guard let value else { return [] }
        if let list = value as? [Any], list.isEmpty { return [] }
        guard let mapping = value as? [String: Any] else { throw error(nil, "'jobs' must map job names to jobs") }
        return try mapping.keys.sorted().map { name in try job(name, mapping[name]) }
    }

    private func known(_ mapping: [String: Any], _ keys: Set<String>, job: String?, section: String) throws {
        if let unknown = mapping.keys.sorted().first(where: { !keys.contains($0) }) {
            throw error(job, "\(section) has an unknown key '\(unknown)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    private func string(_ mapping: [String: Any], _ key: String, job: String, required: Bool = false) throws -> String? {
        guard let value = mapping[key] else {
            if required { throw error(job, "'\(key)' is missing") }
            return nil
        }
        if value is [Any] || value is [String: Any] { throw error(job, "'\(key)' must be a single value") }
        return try expand(Self.text(value), "jobs.\(job).\(key)")
    }

    /// A scalar's text (`YAMLText` keeps every scalar as written).
    static func text(_ value: Any) -> String {
        "\(value)"
    }

    /// A whole number of at least `minimum`, or an error naming the key.
    private func number(_ value: Any, job: String?, key: String, minimum: Int = 1) throws -> Int {
        guard let number = Int(Self.text(value)), number >= minimum else {
            throw error(job, "\(key) must be a whole number ≥ \(minimum), not '\(Self.text(value))'")
        }
        return number
    }

    /// `true` or `false` (also `yes`/`no`, `on`/`off`), or an error naming the key.
    private func flag(_ value: Any, job: String?, key: String) throws -> Bool {
        switch Self.text(value).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(job, "\(key) must be true or false, not '\(Self.text(value))'")
        }
    }

    private func job(_ name: String, _ value: Any?) throws -> JobEntry {
        guard let mapping = value as? [String: Any] else { throw error(name, "must be a mapping") }
        try known(mapping, ["table", "partitions", "schedule", "timezone", "source", "mode", "keys", "retry", "catch_up",
                            "skip_unchanged", "warehouse", "stage"], job: name, section: "the job")
        let tableName = try string(mapping, "table", job: name, required: true)!
        let table: TableRef
        do {
            table = try TableRef(parsing: tableName)
        } catch {
            throw self.error(name, "table '\(tableName)': \(error)")
        }
        let partitions = try self.partitions(mapping["partitions"], job: name)
        let scheduleZone = try timeZone(try string(mapping, "timezone", job: name) ?? "UTC", job: name)
        var schedule: CronSchedule?
        if let expression = try string(mapping, "schedule", job: name) {
            do {
                schedule = try CronSchedule(expression, timeZone: scheduleZone)
            } catch {
                throw self.error(name, "\(error)")
            }
        }
        var job = Job(name: name, table: table, partitions: partitions, source: try source(mapping["source"], job: name),
                      schedule: schedule)
        switch try string(mapping, "mode", job: name) ?? "partition" {
        case "partition", "replace_partition": job.mode = .replacePartition
        case "append": job.mode = .append
        case "merge":
            guard let keys = mapping["keys"] as? [Any], !keys.isEmpty else { throw error(name, "mode merge needs 'keys: [column, …]'") }
            job.mode = .merge(keys: keys.map { "\($0)" })
        case let other: throw error(name, "mode '\(other)' is not one of partition, append, merge")
        }
        if let retry = mapping["retry"] {
            guard let retry = retry as? [String: Any] else { throw error(name, "'retry' must be a mapping") }
            try known(retry, ["attempts", "backoff", "max_backoff"], job: name, section: "retry")
            var backoff = RetryBackoff()
            if let attempts = retry["attempts"] {
                backoff.attempts = try number(attempts, job: name, key: "retry.attempts")
            }
            if let value = retry["backoff"] { backoff.initialDelay = try duration(value, job: name, key: "retry.backoff") }
            if let value = retry["max_backoff"] { backoff.maxDelay = try duration(value, job: name, key: "retry.max_backoff") }
            job.retry = backoff
        }
        if let catchUp = mapping["catch_up"] {
            job.catchUp = try number(catchUp, job: name, key: "catch_up")
        }
        if let skip = mapping["skip_unchanged"] {
            job.skipUnchanged = try flag(skip, job: name, key: "skip_unchanged")
        }
        do {
            try job.validate()
        } catch {
            throw self.error(nil, "\(error)")
        }
        return JobEntry(job: job, warehouse: try string(mapping, "warehouse", job: name),
                        stage: try string(mapping, "stage", job: name))
    }

    private func timeZone(_ identifier: String, job: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw error(job, "unknown time zone '\(identifier)' (use an IANA name such as Europe/Amsterdam)")
        }
        return zone
    }

    /// `90`, `90s`, `15m`, `2h`, `1d`.
    private func duration(_ value: Any, job: String?, key: String) throws -> TimeInterval {
        let text = "\(value)"
        guard let seconds = Durations.seconds(text) else {
            throw error(job, "\(key) '\(text)' is not a duration (90s, 15m, 2h, 1d)")
        }
        return seconds
    }

    private func partitions(_ value: Any?, job: String) throws -> PartitionDefinition {
        guard let value else { throw error(job, "'partitions' is missing") }
        let list: [Any] = value as? [Any] ?? [value]
        return PartitionDefinition(try list.enumerated().map { index, item in
            guard let mapping = item as? [String: Any] else { throw error(job, "partitions[\(index)] must be a mapping") }
            return try dimension(mapping, index: index, job: job)
        })
    }

    private func dimension(_ mapping: [String: Any], index: Int, job: String) throws -> PartitionDefinition.Dimension {
        let at = "partitions[\(index)]"
        try known(mapping, ["name", "column", "hourly", "daily", "weekly", "monthly", "values", "end", "timezone", "offset",
                            "column_type", "week_starts"], job: job, section: at)
        let cadences = TimeWindowPartitions.Cadence.allCases.filter { mapping[$0.rawValue] != nil }
        let hasValues = mapping["values"] != nil
        guard cadences.count + (hasValues ? 1 : 0) == 1 else {
            throw error(job, "\(at) needs exactly one of hourly, daily, weekly, monthly (with the first window) or values")
        }
        if hasValues {
            guard let values = mapping["values"] as? [Any], !values.isEmpty else { throw error(job, "\(at).values must be a list") }
            let column = try string(mapping, "column", job: job) ?? (try string(mapping, "name", job: job)) ?? ""
            guard !column.isEmpty else { throw error(job, "\(at) needs a name or a column") }
            let name = try string(mapping, "name", job: job) ?? column
            return .init(name: name, column: column, keys: .values(values.map { Self.text($0) }))
        }
        let cadence = cadences[0]
        let defaultName = ["hourly": "hour", "daily": "date", "weekly": "week", "monthly": "month"][cadence.rawValue]!
        let name = try string(mapping, "name", job: job) ?? defaultName
        let column = try string(mapping, "column", job: job) ?? name
        let zone = try timeZone(try string(mapping, "timezone", job: job) ?? "UTC", job: job)
        func instant(_ key: String) throws -> Date? {
            guard let raw = mapping[key] else { return nil }
            let text = Self.text(raw)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            for format in ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM"] {
                formatter.dateFormat = format
                if let date = formatter.date(from: text) { return date }
            }
            throw error(job, "\(at).\(key) '\(text)' is not a date (2026-01-01, or 2026-01-01T06:00 in the time zone)")
        }
        var windows = TimeWindowPartitions(cadence: cadence, start: try instant(cadence.rawValue)!, end: try instant("end"),
                                           timeZone: zone)
        if let offset = mapping["offset"] { windows.completionOffset = try duration(offset, job: job, key: "\(at).offset") }
        if let first = try string(mapping, "week_starts", job: job) {
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            guard let day = days.firstIndex(of: first.lowercased()) else { throw error(job, "\(at).week_starts must be a weekday") }
            windows.firstWeekday = day + 1
        }
        let type = try string(mapping, "column_type", job: job) ?? (cadence == .hourly ? "timestamp" : "date")
        guard type == "date" || type == "timestamp" else { throw error(job, "\(at).column_type must be date or timestamp") }
        if cadence == .hourly && type == "date" { throw error(job, "\(at): hourly partitions need a timestamp column") }
        return .init(name: name, column: column, keys: .time(windows, columnIsDate: type == "date"))
    }

    private func source(_ value: Any?, job: String) throws -> JobSource {
        guard let mapping = value as? [String: Any] else { throw error(job, "'source' must be a mapping with one of file, glob, objects, command, query") }
        try known(mapping, ["file", "glob", "objects", "command", "query", "database", "format", "delimiter", "directory"],
                  job: job, section: "source")
        let kinds = ["file", "glob", "objects", "command", "query"].filter { mapping[$0] != nil }
        guard kinds.count == 1 else { throw error(job, "source needs exactly one of file, glob, objects, command, query") }
        var format = SourceFormat.bySuffix
        switch try string(mapping, "format", job: job) {
        case nil: break
        case "csv": format = .csv(CSVOptions())
        case "jsonl", "jsonlines", "ndjson": format = .jsonLines
        case let other?: throw error(job, "source.format '\(other)' is not csv or jsonl")
        }
        if let delimiter = try string(mapping, "delimiter", job: job) {
            guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\"") else {
                throw error(job, "source.delimiter must be one character")
            }
            if case .jsonLines = format { throw error(job, "source.delimiter applies to CSV only") }
            format = .csv(CSVOptions(delimiter: byte))
        }
        // A command's ${VAR} is left for the shell to expand when it runs: the job's text (shown by
        // `schedule list`, in errors and in the attempts table) then never holds the value.
        let text = kinds[0] == "command" ? Self.text(mapping["command"]!) : try string(mapping, kinds[0], job: job)!
        switch kinds[0] {
        case "file", "glob": return .files(pattern: text, format: format)
        case "objects": return .objects(url: text, format: format)
        case "command":
            return .command(text, format: format, workingDirectory: try string(mapping, "directory", job: job))
        default:
            guard let database = try string(mapping, "database", job: job) else {
                throw error(job, "a query source needs 'database': a postgres:// URL or a name from warehouses")
            }
            return .query(database: database, sql: text)
        }
    }
}
