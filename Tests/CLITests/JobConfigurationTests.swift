import Foundation
import Frames
import Scheduler
import Stevedore
import Testing
import Warehouse

@testable import StevedoreCLI

@Suite("stevedore.yml jobs")
struct JobConfigurationTests {
    func parse(_ jobs: String, environment: [String: String] = [:]) throws -> ConfigurationFile {
        try ConfigurationFile.parse("jobs:\n" + jobs, path: "jobs.yml", environment: environment)
    }

    @Test("a two-dimensional job with every key read into a Job")
    func fullJob() throws {
        let file = try parse(
            """
              orders:
                table: analytics.orders
                partitions:
                  - name: date
                    daily: 2026-01-01
                    end: 2026-02-01
                    column: order_date
                    timezone: Europe/Amsterdam
                    offset: 2h
                  - name: region
                    values: [eu, us]
                schedule: "0 3 * * *"
                timezone: Europe/Amsterdam
                source:
                  query: SELECT * FROM orders WHERE order_date = {date} AND region = {region}
                  database: ${APP_DB}
                mode: merge
                keys: [id]
                retry: {attempts: 5, backoff: 1m, max_backoff: 1h}
                catch_up: 7
                skip_unchanged: true
                warehouse: local
            """, environment: ["APP_DB": "postgres://reader@app/app"])
        let entry = try #require(file.jobs.first)
        let job = entry.job
        #expect(job.name == "orders")
        #expect(job.table == TableRef(schema: "analytics", table: "orders"))
        #expect(job.partitions.dimensions.map(\.name) == ["date", "region"])
        #expect(job.partitions.dimensions.map(\.column) == ["order_date", "region"])
        guard case .time(let windows, let isDate) = job.partitions.dimensions[0].keys else {
            Issue.record("the first dimension is not time windows")
            return
        }
        #expect(isDate)
        #expect(windows.cadence == .daily)
        #expect(windows.completionOffset == 7200)
        #expect(windows.timeZone.identifier == "Europe/Amsterdam")
        #expect(windows.start == ISO8601DateFormatter().date(from: "2025-12-31T23:00:00Z"))
        #expect(
            job.source
                == .query(
                    database: "postgres://reader@app/app",
                    sql: "SELECT * FROM orders WHERE order_date = {date} AND region = {region}"))
        #expect(job.mode == .merge(keys: ["id"]))
        #expect(job.retry == RetryBackoff(attempts: 5, initialDelay: 60, maxDelay: 3600))
        #expect(job.catchUp == 7)
        #expect(job.skipUnchanged)
        #expect(job.schedule?.description == "0 3 * * * (Europe/Amsterdam)")
        #expect(entry.warehouse == "local")
    }

    @Test("defaults: one mapping for one dimension, names from the cadence, CSV by suffix, replace the partition")
    func defaults() throws {
        let job = try #require(
            try parse(
                """
                  hourly:
                    table: raw.events
                    partitions: {hourly: 2026-01-01T00:00, column: at}
                    source: {glob: "data/{hour:yyyy/MM/dd/HH}/*.csv"}
                """
            ).jobs.first?.job)
        #expect(job.partitions.dimensions.map(\.name) == ["hour"])
        guard case .time(let windows, let isDate) = job.partitions.dimensions[0].keys else { return }
        #expect(!isDate)
        #expect(windows.cadence == .hourly)
        #expect(job.mode == .replacePartition)
        #expect(job.schedule == nil)
        #expect(job.source == .files(pattern: "data/{hour:yyyy/MM/dd/HH}/*.csv", format: .bySuffix))
    }

    @Test("scalars stay as written: no is Norway, 01 keeps its zero, a local time is local")
    func scalarsAsWritten() throws {
        let job = try #require(
            try parse(
                """
                  nordics:
                    table: t
                    partitions:
                      - {hourly: 2026-01-01T06:00, timezone: Europe/Amsterdam, column: at}
                      - {name: country, values: [se, no, dk, 01, yes, ~x]}
                    source: {command: ./export.sh}
                    skip_unchanged: yes
                """
            ).jobs.first?.job)
        guard case .values(let values) = job.partitions.dimensions[1].keys,
            case .time(let windows, _) = job.partitions.dimensions[0].keys
        else {
            Issue.record("unexpected dimensions")
            return
        }
        #expect(values == ["se", "no", "dk", "01", "yes", "~x"])
        #expect(windows.start == ISO8601DateFormatter().date(from: "2026-01-01T05:00:00Z"))
        #expect(job.skipUnchanged)
    }

    @Test("a command's ${VAR} is left for the shell, so a secret never sits in the job's text")
    func commandVariablesStayUnexpanded() throws {
        let job = try #require(
            try parse(
                """
                  fx:
                    table: t
                    partitions: {daily: 2026-01-01}
                    source: {command: "./fetch --token ${FX_TOKEN} --day {date}"}
                """, environment: ["FX_TOKEN": "s3cret-token"]
            ).jobs.first?.job)
        #expect(
            job.source == .command("./fetch --token ${FX_TOKEN} --day {date}", format: .bySuffix, workingDirectory: nil)
        )
        #expect(!job.source.summary.contains("s3cret"))
    }

    @Test("a wrong shape in each decoded section names the file, the section, the job and the key")
    func shapeMistakes() {
        let job = "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv}\n"
        let cases: [(String, String)] = [
            ("- a\n", "doc.yml: expected a mapping at the top level"),
            ("stages: [a, b]\n", "doc.yml: 'stages' must map names to URLs"),
            ("defaults: {stage: {nested: x}}\n", "doc.yml: 'defaults' must map names to URLs"),
            ("scheduler: 3\n", "doc.yml: 'scheduler' must be a mapping"),
            (
                "scheduler: {threads: 3}\n",
                "doc.yml: scheduler has an unknown key 'threads' (known: concurrency, grace, listen)"
            ),
            ("scheduler: {grace: [1s]}\n", "doc.yml: 'scheduler.grace' must be a single value"),
            ("jobs: [a]\n", "doc.yml: 'jobs' must map job names to jobs"),
            ("jobs:\n  j: 3\n", "doc.yml: job j: must be a mapping"),
            ("warehouses: {a: [\n", "doc.yml: not valid YAML: "),
            ("jobs:\n  j:\n    table: [a, b]\n", "doc.yml: job j: 'table' must be a single value"),
            ("jobs:\n" + job + "    retry: 3\n", "doc.yml: job j: 'retry' must be a mapping"),
            ("jobs:\n" + job + "    retry: {tries: 3}\n", "doc.yml: job j: retry has an unknown key 'tries'"),
            (
                "jobs:\n  j:\n    table: t\n    partitions: [daily]\n    source: {file: x.csv}\n",
                "doc.yml: job j: partitions[0] must be a mapping"
            ),
            (
                "jobs:\n  j:\n    table: t\n    partitions: {daily: 2026-01-01, every: 2}\n    source: {file: x.csv}\n",
                "doc.yml: job j: partitions[0] has an unknown key 'every'"
            ),
            (
                "jobs:\n  j:\n    table: t\n    partitions: {name: r, values: eu}\n    source: {file: x.csv}\n",
                "doc.yml: job j: partitions[0].values must be a list"
            ),
            (
                "jobs:\n  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: x.csv\n",
                "doc.yml: job j: 'source' must be a mapping with one of file, glob, objects, command, query"
            ),
            (
                "jobs:\n  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv, path: y}\n",
                "doc.yml: job j: source has an unknown key 'path'"
            ),
        ]
        for (yaml, fragment) in cases {
            #expect {
                try ConfigurationFile.parse(yaml, path: "doc.yml", environment: [:])
            } throws: { error in
                "\(error)".contains(fragment)
                    || {
                        print("\(yaml) got: \(error)")
                        return false
                    }()
            }
        }
    }

    @Test("mistakes name the file, the job and the key")
    func mistakes() {
        let cases: [(String, String)] = [
            (
                "  j:\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv}\n",
                "jobs.yml: job j: 'table' is missing"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv}\n    retries: 3\n",
                "job j: the job has an unknown key 'retries'"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: someday}\n    source: {file: x.csv}\n",
                "job j: partitions[0].daily 'someday' is not a date"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01, timezone: Mars/Olympus}\n    source: {file: x.csv}\n",
                "unknown time zone 'Mars/Olympus'"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: '{day}.csv'}\n",
                "job j: the source uses {day}, which is not a placeholder of this job"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv, command: y}\n",
                "source needs exactly one of file, glob, objects, command, query"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    schedule: '61 * * * *'\n    source: {file: x.csv}\n",
                "minute field '61'"
            ),
            (
                "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {query: SELECT 1}\n",
                "a query source needs 'database'"
            ),
            (
                "  j:\n    table: 'a.b.c'\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv}\n",
                "job j: table 'a.b.c'"
            ),
        ]
        for (yaml, fragment) in cases {
            #expect {
                try parse(yaml)
            } throws: { error in
                "\(error)".contains(fragment)
                    || {
                        print("got: \(error)")
                        return false
                    }()
            }
        }
    }

    @Test("dist_key, dist_style and sort_key: the table design of a table the job creates")
    func tableDesign() throws {
        let jobs = try parse(
            """
              keyed:
                table: analytics.sales
                partitions: {daily: 2026-01-01, column: sale_date}
                source: {file: x.csv}
                dist_key: customer_id
                sort_key: [sale_date, id]
              even:
                table: analytics.events
                partitions: {daily: 2026-01-01, column: at}
                source: {file: x.csv}
                dist_style: EVEN
                sort_key: at
              plain:
                table: analytics.plain
                partitions: {daily: 2026-01-01, column: at}
                source: {file: x.csv}
            """
        ).jobs.map(\.job)
        let byName = Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, $0.tableDesign) })
        #expect(byName["keyed"] == TableDesign(distributionKey: "customer_id", sortKeys: ["sale_date", "id"]))
        #expect(byName["even"] == TableDesign(distributionStyle: .even, sortKeys: ["at"]))
        #expect(byName["plain"] == TableDesign())
        let job = "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv}\n"
        let cases: [(String, String)] = [
            (job + "    dist_style: diagonal\n", "job j: dist_style 'diagonal' is not one of auto, even, key, all"),
            (
                job + "    dist_style: key\n",
                "job j: the distribution style key (--dist-style) needs a distribution key"
            ),
            (job + "    dist_style: all\n    dist_key: id\n", "the distribution key 'id' (--dist-key) needs the"),
            (job + "    sort_key: [a, a]\n", "the sort key names the column 'a' twice"),
            (job + "    sort_key: {a: 1}\n", "job j: 'sort_key' must be a column or a list of columns"),
        ]
        for (yaml, fragment) in cases {
            #expect(throws: (any Error).self, "\(fragment)") { try parse(yaml) }
            do {
                _ = try parse(yaml)
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    @Test("a source's CSV dialect keys, as the load command's flags")
    func dialect() throws {
        let file = try parse(
            #"""
              mysql:
                table: t
                partitions: {daily: 2026-01-01}
                source:
                  glob: exports/{date}/*.txt
                  delimiter: tab
                  escape: '\'
                  null: '\N'
                  header: false
                  columns: [id, note]
                  encoding: latin1
                  names: snake_case
                  quote: "'"
            """#)
        let job = try #require(file.jobs.first).job
        var options = CSVOptions(
            delimiter: UInt8(ascii: "\t"), header: .names(["id", "note"]), quote: UInt8(ascii: "'"),
            escape: UInt8(ascii: "\\"), nullText: "\\N", encoding: .latin1, naming: .snakeCase)
        #expect(
            job.source
                == .files(
                    pattern: "exports/{date}/*.txt",
                    format: SourceFormat(kind: nil, csv: options, delimiterChosen: true)))
        // Without a delimiter, each file's name decides: tab for .tsv.
        let byName = try parse(
            "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {glob: '*.tsv', encoding: cp1252}\n")
        options = CSVOptions(encoding: .windows1252)
        guard case .files(_, let format) = try #require(byName.jobs.first).job.source else {
            Issue.record("not a files source")
            return
        }
        #expect(format == SourceFormat(csv: options))
        #expect(
            format.resolved(for: "a.tsv.gz") == .csv(CSVOptions(delimiter: UInt8(ascii: "\t"), encoding: .windows1252)))
        #expect(format.resolved(for: "a.csv") == .csv(options))
    }

    @Test("a dialect that cannot work names the key, in the load command's words")
    func dialectMistakes() {
        let start = "  j:\n    table: t\n    partitions: {daily: 2026-01-01}\n    source: {file: x.csv, "
        let cases: [(String, String)] = [
            ("delimiter: '\"'}", "jobs.yml: job j: source.delimiter must not be the quote character"),
            (
                "delimiter: ';;'}",
                "source.delimiter must be one ASCII character other than CR and LF (or \\t, tab), not ';;'"
            ),
            ("escape: ','}", "source.delimiter must not be the escape character"),
            ("header: false}", "source.header: false needs source.columns with the column names"),
            ("header: maybe}", "source.header must be true or false, not 'maybe'"),
            ("columns: [a]}", "source.columns names the columns of input without a header: add source.header: false"),
            ("encoding: ebcdic}", "source.encoding 'ebcdic' is not one of utf-8"),
            ("names: upper}", "source.names 'upper' is not keep or snake_case"),
            ("format: jsonl, null: NA}", "source.null applies to CSV only, not JSON Lines"),
        ]
        for (yaml, fragment) in cases {
            #expect {
                try parse(start + yaml + "\n")
            } throws: { error in
                "\(error)".contains(fragment)
                    || {
                        print("got: \(error)")
                        return false
                    }()
            }
        }
    }
}
