import Foundation

/// `stevedore.yml` as written, decoded by Yams' `YAMLDecoder`: each section a `Decodable` struct,
/// every scalar kept as the text it was written as (`no` stays `no`, `01` stays `01`,
/// `2026-01-01T06:00` stays local time); `ConfigurationFile` and `JobConfiguration` give the text
/// its meaning. A null (`~`, `null`, an empty value) counts as absent. Unknown keys are ignored at
/// the top level and are errors inside `scheduler`, a job, its `retry`, partitions and `source`.
struct ConfigurationDocument: Decodable {
    var warehouses: [String: String] = [:]
    var stages: [String: String] = [:]
    var defaults: [String: String] = [:]
    var scheduler: SchedulerSection?
    var jobs: [JobSection] = []

    init() {}

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), single.decodeNil() { return }
        guard let root = try? decoder.container(keyedBy: ConfigurationKey.self) else {
            throw ConfigurationProblem("expected a mapping at the top level")
        }
        for section in ["warehouses", "stages", "defaults"] {
            let names: [String: String]
            do {
                names = try root.section(section, [String: String].self) ?? [:]
            } catch is DecodingError {
                throw ConfigurationProblem("'\(section)' must map names to URLs")
            }
            switch section {
            case "warehouses": warehouses = names
            case "stages": stages = names
            default: defaults = names
            }
        }
        scheduler = try root.section("scheduler", SchedulerSection.self)
        jobs = try root.section("jobs", JobList.self)?.jobs ?? []
    }
}

/// A mistake in `stevedore.yml` found while decoding it: the job it is in (nil outside `jobs`) and
/// what is wrong, naming the key. `ConfigurationFile` adds the file's path.
struct ConfigurationProblem: Error, Sendable, CustomStringConvertible {
    var job: String?
    var message: String

    init(job: String? = nil, _ message: String) {
        self.job = job
        self.message = message
    }

    var description: String { (job.map { "job \($0): " } ?? "") + message }
}

/// Any key of a mapping: sections are read by name, and their keys checked against the known ones.
struct ConfigurationKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == ConfigurationKey {
    /// The value at `key` decoded as `T`, nil when absent or null.
    func section<T: Decodable>(_ key: String, _ type: T.Type) throws -> T? {
        let key = ConfigurationKey(key)
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(T.self, forKey: key)
    }

    /// The scalar at `key` as written, nil when absent or null; a list or mapping is an error
    /// naming `label` (the key as the user knows it).
    func text(_ key: String, job: String?, label: String? = nil) throws -> String? {
        do {
            return try section(key, String.self)
        } catch is DecodingError {
            throw ConfigurationProblem(job: job, "'\(label ?? key)' must be a single value")
        }
    }

    /// The list of scalars at `key` (nulls left out), nil when absent or null, or `problem` when it
    /// is not a list of scalars.
    func texts(_ key: String, orElse problem: ConfigurationProblem) throws -> [String]? {
        do {
            return try section(key, [String?].self)?.compactMap { $0 }
        } catch is DecodingError {
            throw problem
        }
    }

    /// Refuses a key that is not one of `known`, naming the section.
    func refuseUnknownKeys(_ known: Set<String>, job: String?, section: String) throws {
        if let unknown = allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationProblem(
                job: job,
                "\(section) has an unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

extension Decoder {
    /// This value's mapping, or `problem` when it is not one.
    func mapping(orElse problem: ConfigurationProblem) throws -> KeyedDecodingContainer<ConfigurationKey> {
        do {
            return try container(keyedBy: ConfigurationKey.self)
        } catch is DecodingError {
            throw problem
        }
    }

    /// The name of the job this value is in: the key under `jobs`.
    var jobName: String { codingPath.count > 1 ? codingPath[1].stringValue : "" }
}

/// The `scheduler` section.
struct SchedulerSection: Decodable {
    var concurrency: String?
    var grace: String?
    var listen: String?

    init(from decoder: any Decoder) throws {
        let mapping = try decoder.mapping(orElse: ConfigurationProblem("'scheduler' must be a mapping"))
        try mapping.refuseUnknownKeys(["concurrency", "grace", "listen"], job: nil, section: "scheduler")
        concurrency = try mapping.text("concurrency", job: nil, label: "scheduler.concurrency")
        grace = try mapping.text("grace", job: nil, label: "scheduler.grace")
        listen = try mapping.text("listen", job: nil, label: "scheduler.listen")
    }
}

/// The `jobs` section: job names to jobs, in name order (an empty list counts as no jobs).
struct JobList: Decodable {
    var jobs: [JobSection] = []

    init(from decoder: any Decoder) throws {
        if let list = try? decoder.singleValueContainer().decode([String].self), list.isEmpty { return }
        let mapping = try decoder.mapping(orElse: ConfigurationProblem("'jobs' must map job names to jobs"))
        for key in mapping.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            guard try !mapping.decodeNil(forKey: key) else {
                throw ConfigurationProblem(job: key.stringValue, "must be a mapping")
            }
            jobs.append(try mapping.decode(JobSection.self, forKey: key))
        }
    }
}

/// One job under `jobs`, its keys as written.
struct JobSection: Decodable {
    static let keys: Set<String> = [
        "table", "partitions", "schedule", "timezone", "source", "mode", "keys", "retry",
        "catch_up", "skip_unchanged", "warehouse", "stage", "dist_key", "dist_style", "sort_key",
        "part_size",
    ]

    var name: String
    var table: String?
    /// Nil when the key is missing; one mapping counts as a list of one.
    var partitions: [DimensionSection]?
    var schedule: String?
    var timezone: String?
    var source: SourceSection?
    var mode: String?
    /// Nil when absent or not a list (an error only for `mode: merge`).
    var keys: [String]?
    var retry: RetrySection?
    var catchUp: String?
    var skipUnchanged: String?
    var warehouse: String?
    var stage: String?
    var distKey: String?
    var distStyle: String?
    /// One column, or a list of them (the compound sort key, in order).
    var sortKey: [String]?
    var partSize: String?

    init(from decoder: any Decoder) throws {
        name = decoder.jobName
        let mapping = try decoder.mapping(orElse: ConfigurationProblem(job: name, "must be a mapping"))
        try mapping.refuseUnknownKeys(Self.keys, job: name, section: "the job")
        table = try mapping.text("table", job: name)
        partitions = try mapping.section("partitions", DimensionList.self)?.dimensions
        schedule = try mapping.text("schedule", job: name)
        timezone = try mapping.text("timezone", job: name)
        source = try mapping.section("source", SourceSection.self)
        mode = try mapping.text("mode", job: name)
        keys = try? mapping.section("keys", [String].self)
        retry = try mapping.section("retry", RetrySection.self)
        catchUp = try mapping.text("catch_up", job: name)
        skipUnchanged = try mapping.text("skip_unchanged", job: name)
        warehouse = try mapping.text("warehouse", job: name)
        stage = try mapping.text("stage", job: name)
        distKey = try mapping.text("dist_key", job: name)
        distStyle = try mapping.text("dist_style", job: name)
        partSize = try mapping.text("part_size", job: name)
        let notColumns = ConfigurationProblem(job: name, "'sort_key' must be a column or a list of columns")
        if let one = try? mapping.section("sort_key", String.self) {
            sortKey = [one]
        } else {
            sortKey = try mapping.texts("sort_key", orElse: notColumns)
        }
    }
}

/// A job's `retry` mapping.
struct RetrySection: Decodable {
    var attempts: String?
    var backoff: String?
    var maxBackoff: String?

    init(from decoder: any Decoder) throws {
        let job = decoder.jobName
        let mapping = try decoder.mapping(orElse: ConfigurationProblem(job: job, "'retry' must be a mapping"))
        try mapping.refuseUnknownKeys(["attempts", "backoff", "max_backoff"], job: job, section: "retry")
        attempts = try mapping.text("attempts", job: job, label: "retry.attempts")
        backoff = try mapping.text("backoff", job: job, label: "retry.backoff")
        maxBackoff = try mapping.text("max_backoff", job: job, label: "retry.max_backoff")
    }
}

/// A job's `partitions`: a list of dimensions, or one dimension's mapping.
struct DimensionList: Decodable {
    var dimensions: [DimensionSection] = []

    init(from decoder: any Decoder) throws {
        guard var list = try? decoder.unkeyedContainer() else {
            dimensions = [try DimensionSection(from: decoder, index: 0)]
            return
        }
        while !list.isAtEnd {
            let item = try list.superDecoder()
            if (try? item.singleValueContainer())?.decodeNil() == true { continue }
            dimensions.append(try DimensionSection(from: item, index: dimensions.count))
        }
    }
}

/// One partition dimension: time windows (one of `hourly`, `daily`, `weekly`, `monthly` with the
/// first window) or a list of `values`.
struct DimensionSection {
    static let keys: Set<String> = [
        "name", "column", "hourly", "daily", "weekly", "monthly", "values", "end",
        "timezone", "offset", "column_type", "week_starts",
    ]

    /// Its place in the list: `partitions[0]` in errors.
    var index: Int
    var name: String?
    var column: String?
    /// The cadence keys present, with their first window as written.
    var cadences: [(cadence: String, start: String)] = []
    var values: [String]?
    var end: String?
    var timezone: String?
    var offset: String?
    var columnType: String?
    var weekStarts: String?

    init(from decoder: any Decoder, index: Int) throws {
        let job = decoder.jobName
        let at = "partitions[\(index)]"
        self.index = index
        let mapping = try decoder.mapping(orElse: ConfigurationProblem(job: job, "\(at) must be a mapping"))
        try mapping.refuseUnknownKeys(Self.keys, job: job, section: at)
        name = try mapping.text("name", job: job)
        column = try mapping.text("column", job: job)
        for cadence in ["hourly", "daily", "weekly", "monthly"] {
            if let start = try mapping.text(cadence, job: job, label: "\(at).\(cadence)") {
                cadences.append((cadence, start))
            }
        }
        let notAList = ConfigurationProblem(job: job, "\(at).values must be a list")
        values = try mapping.texts("values", orElse: notAList)
        end = try mapping.text("end", job: job, label: "\(at).end")
        timezone = try mapping.text("timezone", job: job)
        offset = try mapping.text("offset", job: job, label: "\(at).offset")
        columnType = try mapping.text("column_type", job: job)
        weekStarts = try mapping.text("week_starts", job: job)
    }
}

/// A job's `source`: exactly one of `file`, `glob`, `objects`, `command`, `query`, with its options.
struct SourceSection: Decodable {
    static let kinds = ["file", "glob", "objects", "command", "query"]

    /// The kinds present, with their text as written.
    var kinds: [(kind: String, text: String)] = []
    var database: String?
    var format: String?
    var directory: String?
    /// The CSV dialect keys (`delimiter`, `quote`, `escape`, `null`, `header`, `columns`, `encoding`,
    /// `names`); `header` is kept as written, nil when absent.
    var dialect = CSVSettings()
    var header: String?

    init(from decoder: any Decoder) throws {
        let job = decoder.jobName
        let mapping = try decoder.mapping(
            orElse: ConfigurationProblem(
                job: job, "'source' must be a mapping with one of file, glob, objects, command, query"))
        try mapping.refuseUnknownKeys(
            Set(
                Self.kinds + [
                    "database", "format", "directory", "delimiter", "quote", "escape", "null", "header", "columns",
                    "encoding", "names",
                ]), job: job, section: "source")
        for kind in Self.kinds {
            if let text = try mapping.text(kind, job: job) { kinds.append((kind, text)) }
        }
        database = try mapping.text("database", job: job)
        format = try mapping.text("format", job: job)
        directory = try mapping.text("directory", job: job)
        dialect.delimiter = try mapping.text("delimiter", job: job, label: "source.delimiter")
        dialect.quote = try mapping.text("quote", job: job, label: "source.quote")
        dialect.escape = try mapping.text("escape", job: job, label: "source.escape")
        dialect.null = try mapping.text("null", job: job, label: "source.null")
        dialect.encoding = try mapping.text("encoding", job: job, label: "source.encoding")
        dialect.names = try mapping.text("names", job: job, label: "source.names")
        header = try mapping.text("header", job: job, label: "source.header")
        // A list of names, or one text of comma-separated names.
        let columnsProblem = ConfigurationProblem(job: job, "'source.columns' must be a list of column names")
        if let list = try? mapping.texts("columns", orElse: columnsProblem) {
            dialect.columns = list
        } else if let text = try mapping.text("columns", job: job, label: "source.columns") {
            dialect.columns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }
}
