import Foundation
import Frames
import ObjectStore
import Stevedore
import TestSupport
import Testing
import Warehouse

@testable import Scheduler

/// Each kind of source, end to end: rows from it land in the table, for the right partition.
@Suite("Job sources", .serialized, .timeLimit(.minutes(5)))
struct PartitionSourceTests {
    static let now = SchedulerFixture.instant("2026-01-03T06:00:00Z")

    static func gzip(_ text: String) throws -> [UInt8] {
        let writer = try GzipWriter(level: 6)
        try writer.write(Array(text.utf8))
        _ = try writer.finish()
        return writer.drain()
    }

    func load(_ fixture: SchedulerFixture, _ job: Job) async throws -> [PartitionOutcome] {
        let outcomes = await (try fixture.service([job], clock: TestClock(Self.now))).runOnce()
        for outcome in outcomes where outcome.result != .loaded {
            Issue.record("\(outcome.key): \(outcome.result) \(outcome.error ?? "")")
        }
        return outcomes
    }

    func contents(_ fixture: SchedulerFixture, _ table: TableRef) async throws -> [String] {
        try await fixture.rows("SELECT day::text || ' ' || n::text FROM \(table.quoted) ORDER BY day, n").map {
            $0[0] ?? "NULL"
        }
    }

    @Test("a glob reads every matching file of the partition, in name order, gzipped or not")
    func glob() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            for day in ["2026-01-01", "2026-01-02"] {
                try fixture.write("in/\(day)/a.csv", "day,n\n\(day),1\n")
                try fixture.write("in/\(day)/b.csv", "day,n\n\(day),2\n")
                try fixture.write("in/\(day)/notes.txt", "not data")
            }
            // A gzipped file in a nested folder, matched by **.
            let nested = fixture.folder.appendingPathComponent("in/2026-01-02/late/c.csv.gz")
            try FileManager.default.createDirectory(
                at: nested.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(try Self.gzip("day,n\n2026-01-02,3\n")).write(to: nested)
            let job = Job(
                name: "glob", table: fixture.table("glob"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .files(pattern: fixture.folder.path + "/in/{date}/**/*.csv*", format: .bySuffix))
            _ = try await load(fixture, job)
            #expect(
                try await contents(fixture, job.table) == [
                    "2026-01-01 1", "2026-01-01 2", "2026-01-02 1", "2026-01-02 2",
                    "2026-01-02 3",
                ])
        }
    }

    @Test("a job's CSV dialect: Latin-1 .tsv files with NA for NULL, read through the same LoadSource.files")
    func dialect() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            for (index, day) in ["2026-01-01", "2026-01-02"].enumerated() {
                let path = try fixture.write("tsv/\(day)/export.tsv", "")
                // "Day\tN\tCity": é in Latin-1 is one byte, 0xE9.
                let bytes =
                    Array("Day\tN\tCity\n\(day)\t\(index + 1)\tOrl".utf8) + [0xE9] + Array("ans\n\(day)\tNA\tNA\n".utf8)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            let format = SourceFormat(csv: CSVOptions(nullText: "NA", encoding: .latin1, naming: .snakeCase))
            let job = Job(
                name: "dialect", table: fixture.table("dialect"),
                partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .files(pattern: fixture.folder.path + "/tsv/{date}/*.tsv", format: format))
            _ = try await load(fixture, job)
            #expect(
                try await fixture.rows(
                    "SELECT day::text || ' ' || coalesce(n::text, 'NULL') || ' ' || coalesce(city, 'NULL') FROM \(job.table.quoted) ORDER BY day, n"
                ).map { $0[0] ?? "" } == [
                    "2026-01-01 1 Orléans", "2026-01-01 NULL NULL", "2026-01-02 2 Orléans", "2026-01-02 NULL NULL",
                ])
        }
    }

    @Test("a glob that matches nothing fails the partition, naming the pattern")
    func globMatchesNothing() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "empty", table: fixture.table("empty"), partitions: SchedulerFixture.daily(from: "2026-01-02"),
                source: .files(pattern: fixture.folder.path + "/none/{date}-*.csv", format: .bySuffix),
                retry: RetryBackoff(attempts: 1))
            let outcomes = await (try fixture.service([job], clock: TestClock(Self.now))).runOnce()
            #expect(outcomes.map(\.result) == [.failed])
            #expect(
                outcomes.first?.error?.contains("no file matches \(fixture.folder.path)/none/2026-01-02-*.csv") == true)
        }
    }

    @Test("objects in the S3 store: every gzipped CSV under the partition's prefix")
    func objects() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let bucket = try #require(
                ProcessInfo.processInfo.environment["STEVEDORE_TEST_BUCKET"], "STEVEDORE_TEST_BUCKET is not set")
            let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
            let prefix = "raw-\(UInt32.random(in: 0...UInt32.max))"
            for day in ["2026-01-01", "2026-01-02"] {
                for part in 1...2 {
                    try await store.put(
                        "\(prefix)/\(day)/part-\(part).csv.gz", body: .bytes(try Self.gzip("day,n\n\(day),\(part)\n")))
                }
                try await store.put("\(prefix)/\(day)/_SUCCESS", body: .bytes([]))
            }
            let job = Job(
                name: "objects", table: fixture.table("objects"),
                partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .objects(url: "s3://\(bucket)/\(prefix)/{date}/*.csv.gz", format: .bySuffix))
            _ = try await load(fixture, job)
            #expect(
                try await contents(fixture, job.table) == [
                    "2026-01-01 1", "2026-01-01 2", "2026-01-02 1", "2026-01-02 2",
                ])
            _ = try await store.deleteMany(try await store.listKeys(prefix: prefix + "/"))
        }
    }

    @Test("objects behind an https:// endpoint with a self-signed certificate: refused, then read with the CA bundle")
    func objectsOverTLS() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let environment = ProcessInfo.processInfo.environment
            let bucket = try #require(environment["STEVEDORE_TEST_BUCKET"], "STEVEDORE_TEST_BUCKET is not set")
            let endpoint = try #require(
                environment["STEVEDORE_TEST_S3_TLS_ENDPOINT"], "STEVEDORE_TEST_S3_TLS_ENDPOINT is not set")
            let bundle = try #require(environment["STEVEDORE_TEST_CA_BUNDLE"], "STEVEDORE_TEST_CA_BUNDLE is not set")
            let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
            let prefix = "raw-tls-\(UInt32.random(in: 0...UInt32.max))"
            for day in ["2026-01-01", "2026-01-02"] {
                try await store.put("\(prefix)/\(day)/part-1.csv.gz", body: .bytes(try Self.gzip("day,n\n\(day),1\n")))
            }
            try await withCleanUp({ _ = try? await store.deleteMany(try await store.listKeys(prefix: prefix + "/")) }) {
                let job = Job(
                    name: "tls", table: fixture.table("tls"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                    source: .objects(url: "s3://\(bucket)/\(prefix)/{date}/*.csv.gz", format: .bySuffix))
                var overTLS = environment
                overTLS["AWS_ENDPOINT_URL_S3"] = endpoint
                overTLS["AWS_CA_BUNDLE"] = nil
                let refused = await
                    (try fixture.service([job], clock: TestClock(Self.now)) {
                        $0.awsEnvironment = AWSEnvironment(variables: overTLS)
                    }).runOnce()
                #expect(refused.map(\.result) == [.failed, .failed])
                #expect(refused.first?.error?.contains("certificate") == true, "\(refused.first?.error ?? "")")
                let accepted = await
                    (try fixture.service([job], clock: TestClock(Self.now)) {
                        $0.awsEnvironment = AWSEnvironment(variables: overTLS)
                        $0.caBundle = bundle
                    }).runOnce()
                #expect(accepted.map(\.result) == [.loaded, .loaded], "\(accepted.first?.error ?? "")")
                #expect(try await contents(fixture, job.table) == ["2026-01-01 1", "2026-01-02 1"])
            }
        }
    }

    @Test("a command's stdout as JSON Lines, with the key in its environment")
    func command() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "cmd", table: fixture.table("cmd"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command(
                    """
                    printf '{"day":"%s","n":%s}\\n' "$STEVEDORE_DATE" 1 "{date}" 2
                    test "$STEVEDORE_JOB" = cmd && test "$STEVEDORE_PARTITION" = "{partition}"
                    """, format: .jsonLines, workingDirectory: fixture.folder.path))
            _ = try await load(fixture, job)
            #expect(
                try await contents(fixture, job.table) == [
                    "2026-01-01 1", "2026-01-01 2", "2026-01-02 1", "2026-01-02 2",
                ])
        }
    }

    @Test("a command's stdout as an Arrow stream written by pyarrow, typed by its schema")
    func arrowCommand() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let python = ArrowTools.python.path
            let job = Job(
                name: "arrow", table: fixture.table("arrow"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command(
                    """
                    '\(python)' -c "import sys, datetime, pyarrow as pa; t = pa.table({'day': [datetime.date.fromisoformat(sys.argv[1])] * 2, 'n': pa.array([1, 2], pa.int16())}); w = pa.ipc.new_stream(sys.stdout.buffer, t.schema); w.write_table(t); w.close()" {date}
                    """, format: SourceFormat(kind: .arrow), workingDirectory: fixture.folder.path))
            _ = try await load(fixture, job)
            #expect(
                try await contents(fixture, job.table) == [
                    "2026-01-01 1", "2026-01-01 2", "2026-01-02 1", "2026-01-02 2",
                ])
            let connection = try await fixture.connection()
            let type = try await connection.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'n'",
                [job.table.tableName.quoted]
            ).scalar
            await connection.close()
            #expect(type == "smallint")
        }
    }

    @Test("a SQL query on a source database, the key bound as a parameter, streamed with COPY TO STDOUT")
    func query() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let source = "\(quoteIdentifier(fixture.schema)).orders"
            let connection = try await fixture.connection()
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(fixture.schema))")
            try await connection.execute("CREATE TABLE \(source) (day date, n int, note text)")
            // 30,000 rows a day, so the COPY spans many chunks; a note with quotes, commas and a newline.
            try await connection.execute(
                """
                INSERT INTO \(source) SELECT d::date, g, CASE WHEN g = 1 THEN 'a "quoted", multi
                line note' END FROM generate_series('2025-12-31'::date, '2026-01-03'::date, '1 day') d,
                generate_series(1, 30000) g
                """)
            let job = Job(
                name: "query", table: fixture.table("query"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .query(database: "", sql: "SELECT day, n, note FROM \(source) WHERE day = '{date}' AND n > 0"))
            let outcomes = try await load(fixture, job)
            #expect(outcomes.map(\.rows) == [30000, 30000])
            let summary = try await fixture.rows(
                "SELECT day::text, count(*)::text, sum(n)::text, max(note) FROM \(job.table.quoted) GROUP BY day ORDER BY day"
            )
            #expect(
                summary == [
                    ["2026-01-01", "30000", "450015000", "a \"quoted\", multi\nline note"],
                    ["2026-01-02", "30000", "450015000", "a \"quoted\", multi\nline note"],
                ])
        }
    }

    @Test("a query that fails reports the database's error with the job and partition, and loads nothing")
    func failingQuery() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "badquery", table: fixture.table("badquery"),
                partitions: SchedulerFixture.daily(from: "2026-01-02"),
                source: .query(database: "", sql: "SELECT * FROM no_such_table WHERE day = {date}"),
                retry: RetryBackoff(attempts: 1))
            let outcomes = await (try fixture.service([job], clock: TestClock(Self.now))).runOnce()
            let error = try #require(outcomes.first?.error)
            #expect(error.contains("job badquery partition 2026-01-02"))
            #expect(error.contains("42P01"))
            #expect(try await fixture.rows("SELECT to_regclass($1)::text", [job.table.quoted]) == [[nil]])
        }
    }

    @Test("placeholders: filled per key, and a query's become parameters")
    func placeholders() throws {
        let definition = PartitionDefinition([
            .init(
                name: "date", column: "day",
                keys: .time(
                    TimeWindowPartitions(cadence: .daily, start: SchedulerFixture.instant("2026-01-01")),
                    columnIsDate: true)),
            .init(name: "region", column: "region", keys: .values(["eu", "us"])),
        ])
        let values = PartitionPlaceholders(definition: definition, key: .init(values: ["2026-01-02", "eu"]))
        #expect(values.fill("s3://raw/{region}/{date}/{{literal}}.csv") == "s3://raw/eu/2026-01-02/{literal}.csv")
        #expect(
            values.fill("{partition} {date_start} {date_end}")
                == "2026-01-02|eu 2026-01-02T00:00:00+00:00 2026-01-03T00:00:00+00:00")
        let statement = values.parameterize(
            "SELECT * FROM t WHERE day = '{date}' AND region = {region} AND d2 = {date}")
        #expect(statement.sql == "SELECT * FROM t WHERE day = $1 AND region = $2 AND d2 = $1")
        #expect(statement.parameters == ["2026-01-02", "eu"])
        #expect(values.environment(job: "j")["STEVEDORE_DATE_START"] == "2026-01-02T00:00:00+00:00")
        #expect(values.fill("raw/{date:yyyy/MM/dd}/{region}/part-*") == "raw/2026/01/02/eu/part-*")
        let hourly = PartitionDefinition([
            .init(
                name: "hour", column: "at",
                keys: .time(
                    TimeWindowPartitions(
                        cadence: .hourly, start: SchedulerFixture.instant("2026-10-24T00:00:00Z"),
                        timeZone: TimeZone(identifier: "Europe/Amsterdam")!), columnIsDate: false))
        ])
        #expect(
            PartitionPlaceholders(definition: hourly, key: .init(values: ["2026-10-25T02:00+01:00"]))
                .fill("clicks/dt={hour:yyyy-MM-dd}/hr={hour:HH}") == "clicks/dt=2026-10-25/hr=02")
        #expect(throws: SchedulerError.self) {
            try Job(
                name: "j", table: "t", partitions: definition,
                source: .files(pattern: "{region:yyyy}", format: .bySuffix)
            ).validate()
        }

        let job = Job(
            name: "j", table: "t", partitions: definition, source: .files(pattern: "{dat}.csv", format: .bySuffix))
        #expect {
            try job.validate()
        } throws: { error in
            "\(error)".contains("{dat}") && "\(error)".contains("{date}")
        }
    }

    @Test(
        "commands get shell-safe values; a shell's ${VAR} is not a placeholder; a query's placeholder inside a literal is refused"
    )
    func shellAndLiterals() throws {
        let definition = PartitionDefinition([
            .init(name: "region", column: "region", keys: .values(["eu west", "o'hare", "us"]))
        ])
        func fill(_ value: String) -> String {
            PartitionPlaceholders(definition: definition, key: .init(values: [value])).fillForShell(
                "./x {region} ${HOME}")
        }
        #expect(fill("us") == "./x us ${HOME}")
        #expect(fill("eu west") == "./x 'eu west' ${HOME}")
        #expect(fill("o'hare") == "./x 'o'\\''hare' ${HOME}")
        #expect(PartitionPlaceholders.placeholders(in: "a ${HOME} {region} ${X:-y}") == ["region"])
        #expect(
            PartitionPlaceholders.placeholdersInsideLiterals("WHERE r = '{region}' AND k LIKE 'raw/{region}%'") == [
                "region"
            ])
        #expect(
            PartitionPlaceholders.placeholdersInsideLiterals("WHERE r = '{region}' AND s = 'it''s' AND t = {region}")
                .isEmpty)
        let job = Job(
            name: "q", table: "t", partitions: definition,
            source: .query(database: "", sql: "SELECT * FROM t WHERE k LIKE 'raw/{region}%'"))
        #expect {
            try job.validate()
        } throws: { error in
            "\(error)".contains("{region} inside a quoted string")
        }
    }

    @Test("glob patterns")
    func globPatterns() {
        let glob = GlobPattern("data/**/day-[0-9]?.csv*")
        #expect(glob.literalPrefix == "data/")
        #expect(glob.matches("data/day-12.csv"))
        #expect(glob.matches("data/a/b/day-12.csv.gz"))
        #expect(!glob.matches("data/day-x2.csv"))
        #expect(!glob.matches("other/day-12.csv"))
        #expect(GlobPattern("a/*.csv").matches("a/x.csv"))
        #expect(!GlobPattern("a/*.csv").matches("a/b/x.csv"))
        #expect(GlobPattern("a/[!x]*.csv").matches("a/y.csv"))
        #expect(!GlobPattern("a/[!x]*.csv").matches("a/x.csv"))
    }
}
