import Foundation
import Frames
import ObjectStore
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

@Suite("Loader on PostgreSQL", .timeLimit(.minutes(5)))
struct LoaderTests {
    @Test("a frame of every type round-trips through store and load", arguments: [LoaderFixture.StageKind.folder, .s3])
    func roundTrip(stage: LoaderFixture.StageKind) async throws {
        let fixture = try LoaderFixture(stage) { $0.partSize = 8 * 1024 }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let frame = try AllTypes.frame()
            let table = fixture.table("all_types")
            let report = try await fixture.loader.store(frame, into: table)
            #expect(report.rows == frame.rowCount)
            #expect(report.parts >= 2)
            #expect(report.mode == .replace)
            let back = try await fixture.loader.load(table)
            #expect(back.schema.names == frame.schema.names)
            #expect(back.rowCount == frame.rowCount)
            for column in frame.columns {
                let returned = try #require(back.columns.first { $0.name == column.name })
                #expect(returned.values == column.values, "column \(column.name)")
            }
            #expect(try await fixture.stagedKeys().isEmpty)
            #expect(try await fixture.ledger(table).count == 1)
        }
    }

    @Test("replacing one partition leaves every other partition byte-identical")
    func replacePartition() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let days = ["2024-01-01", "2024-01-02", "2024-01-03"]
            for day in days {
                try await fixture.loader.store(
                    LoaderFixture.sales(days: [day]), into: table, partition: .day(day, column: "day"))
            }
            let connection = try await fixture.connection()
            func checksum(_ day: String) async throws -> String? {
                try await connection.execute(
                    "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM \(table.quoted) t WHERE day = $1", [day]
                ).scalar
            }
            let before = [try await checksum("2024-01-01"), try await checksum("2024-01-03")]
            let replacement = try LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 20, seed: 7)
            let report = try await fixture.loader.store(
                replacement, into: table, partition: .day("2024-01-02", column: "day"))
            #expect(report.mode == .replacePartition)
            #expect([try await checksum("2024-01-01"), try await checksum("2024-01-03")] == before)
            #expect(
                try await connection.execute("SELECT count(*) FROM \(table.quoted) WHERE day = '2024-01-02'").scalar
                    == "20")
            #expect(
                try await connection.execute("SELECT min(id) FROM \(table.quoted) WHERE day = '2024-01-02'").scalar
                    == "7000001")
            #expect(try await fixture.ledger(table).map { $0[0] } == days.map { "day=\($0)" } + ["day=2024-01-02"])
        }
    }

    @Test("a key range and a two-dimension key replace exactly their rows")
    func rangeAndTwoDimensions() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
            try await fixture.loader.store(LoaderFixture.sales(days: days), into: table)
            let range = PartitionSpec.range(first: "2024-01-02", last: "2024-01-03", column: "day")
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-02", "2024-01-03"], rowsPerDay: 5, seed: 3),
                into: table, partition: range)
            let connection = try await fixture.connection()
            let counts = try await connection.execute(
                "SELECT day::text, count(*) FROM \(table.quoted) GROUP BY day ORDER BY day")
            #expect(
                counts.rows == [
                    ["2024-01-01", "50"], ["2024-01-02", "5"], ["2024-01-03", "5"], ["2024-01-04", "50"],
                ])

            let twoDimensions = PartitionSpec([
                .init("day", .column("day"), .value("2024-01-04")), .init("region", .column("region"), .value("eu")),
            ])
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-04"], rowsPerDay: 3, regions: ["eu"], seed: 9), into: table,
                partition: twoDimensions)
            let regions = try await connection.execute(
                "SELECT region, count(*) FROM \(table.quoted) WHERE day = '2024-01-04' GROUP BY region ORDER BY region")
            #expect(regions.rows == [["eu", "3"], ["us", "25"]])
            let loaded = try await fixture.loader.load(table, partition: twoDimensions, columns: ["id", "region"])
            #expect(loaded.rowCount == 3)
            #expect(loaded.schema.names == ["id", "region"])
        }
    }

    @Test("storing the same frame twice leaves the same rows; skipUnchanged copies nothing the second time")
    func idempotentAndSkipUnchanged() async throws {
        let fixture = try LoaderFixture { $0.skipUnchanged = true }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let frame = try LoaderFixture.sales(days: ["2024-01-01"])
            let partition = PartitionSpec.day("2024-01-01", column: "day")
            let first = try await fixture.loader.store(frame, into: table, partition: partition)
            let checksum = try await fixture.checksum(table)
            let second = try await fixture.loader.store(frame, into: table, partition: partition)
            #expect(!first.skipped)
            #expect(second.skipped)
            #expect(try await fixture.checksum(table) == checksum)
            #expect(try await fixture.ledger(table).count == 1)
            #expect(try await fixture.stagedKeys().isEmpty)

            let plain = Loader(
                stage: fixture.loader.stage, options: fixture.loader.options.with { $0.skipUnchanged = false })
            let third = try await plain.store(frame, into: table, partition: partition)
            #expect(!third.skipped)
            #expect(try await fixture.checksum(table) == checksum)
            #expect(try await fixture.ledger(table).count == 2)
        }
    }

    @Test("skipIfLoaded: once the ledger holds the partition, a second load (other rows, append) changes nothing")
    func skipIfLoaded() async throws {
        let fixture = try LoaderFixture { $0.skipIfLoaded = true }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let partition = PartitionSpec.day("2024-01-01", column: "day")
            let first = try await fixture.loader.store(
                try LoaderFixture.sales(days: ["2024-01-01"]), into: table,
                partition: partition, mode: .append)
            let checksum = try await fixture.checksum(table)
            let second = try await fixture.loader.store(
                try LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: 7, seed: 5),
                into: table, partition: partition, mode: .append)
            #expect(!first.alreadyLoaded && !first.skipped)
            #expect(second.alreadyLoaded && second.skipped)
            #expect(second.description.hasPrefix("skipped (already loaded)"))
            #expect(try await fixture.checksum(table) == checksum)
            #expect(try await fixture.ledger(table).count == 1)
            #expect(try await fixture.stagedKeys().isEmpty)
            // Another partition still loads.
            let other = try await fixture.loader.store(
                try LoaderFixture.sales(days: ["2024-01-02"]), into: table,
                partition: .day("2024-01-02", column: "day"))
            #expect(!other.skipped)
        }
    }

    @Test("a row outside the partition is an error naming it, and nothing changes")
    func rowOutsidePartition() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-01"]), into: table,
                partition: .day("2024-01-01", column: "day"))
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(
                    LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"]), into: table,
                    partition: .day("2024-01-01", column: "day"))
            }
            #expect(error.code == .rowOutsidePartition)
            #expect(error.message.contains("row 51"))
            #expect(error.message.contains("'2024-01-02'"))
            #expect(error.partition == "day=2024-01-01")
            #expect(try await fixture.checksum(table) == before)
            #expect(try await fixture.ledger(table).count == 1)
        }
    }

    @Test("an SQL partition expression checks rows in the warehouse before replacing")
    func sqlExpressionPartition() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01", "2024-02-01"]), into: table)
            let month = PartitionSpec([.init("month", .sql("date_trunc('month', \"day\")::date"), .value("2024-02-01"))]
            )
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(
                    LoaderFixture.sales(days: ["2024-02-03", "2024-03-01"], seed: 4), into: table,
                    partition: month)
            }
            #expect(error.code == .rowOutsidePartition)
            #expect(try await fixture.checksum(table) == before)
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-02-03"], rowsPerDay: 4, seed: 4), into: table,
                partition: month)
            let connection = try await fixture.connection()
            let counts = try await connection.execute(
                "SELECT day::text, count(*) FROM \(table.quoted) GROUP BY day ORDER BY day")
            #expect(counts.rows == [["2024-01-01", "50"], ["2024-02-03", "4"]])
        }
    }

    @Test("an incompatible column type is an error before anything is deleted")
    func incompatibleType() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01"]), into: table)
            let before = try await fixture.checksum(table)
            let frame = try Frame(columns: [Column.text("id", ["not a number"])])
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(frame, into: table)
            }
            #expect(error.code == .incompatibleSchema)
            #expect(error.step == .ddl)
            #expect(error.message.contains("'id'"))
            #expect(try await fixture.checksum(table) == before)
            #expect(try await fixture.ledger(table).count == 1)
        }
    }

    @Test(
        "a value the server rejects mid-COPY fails the load and changes nothing, as binary and as CSV",
        arguments: [true, false])
    func serverRejectsValue(binary: Bool) async throws {
        let fixture = try LoaderFixture(tune: { $0.binaryCopy = binary })
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01"]), into: table)
            let connection = try await fixture.connection()
            try await connection.execute(
                "ALTER TABLE \(table.quoted) ADD CONSTRAINT not_that_one CHECK (id <> 5000030)")
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(
                    LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 60, seed: 5), into: table,
                    mode: .append)
            }
            #expect(error.code == .warehouse)
            #expect(error.step == .copy)
            #expect(error.message.contains("23514"))
            // A binary COPY's server counts rows; a CSV COPY's physical lines of the part (quoted
            // newlines included).
            #expect(error.message.contains(binary ? "(row 30 of part-00001.csv.gz)" : "(line 52 of part-00001.csv.gz)"))
            #expect(error.stagePrefix != nil)
            #expect(try await fixture.checksum(table) == before)
            #expect(try await fixture.ledger(table).count == 1)
        }
    }

    @Test("a merge replaces matching keys and adds the rest; duplicate keys in one load are an error")
    func merge() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("people")
            try await fixture.loader.store(
                try Frame(columns: [Column.bigint("id", [1, 2, 3]), Column.text("name", ["a", "b", "c"])]), into: table)
            try await fixture.loader.store(
                try Frame(columns: [Column.bigint("id", [2, 4]), Column.text("name", ["B", "D"])]), into: table,
                mode: .merge(keys: ["id"]))
            #expect(try await fixture.rows(table) == [["1", "a"], ["2", "B"], ["3", "c"], ["4", "D"]])
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(
                    try Frame(columns: [Column.bigint("id", [5, 5]), Column.text("name", ["x", "y"])]), into: table,
                    mode: .merge(keys: ["id"]))
            }
            #expect(error.code == .duplicateMergeKey)
            #expect(error.message.contains("id=5"))
            #expect(try await fixture.checksum(table) == before)
        }
    }

    @Test("a new column is added and older rows read NULL; a missing column loads NULL")
    func schemaEvolution() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("events")
            try await fixture.loader.store(
                try Frame(columns: [Column.bigint("id", [1]), Column.text("kind", ["a"])]), into: table, mode: .append)
            try await fixture.loader.store(
                try Frame(columns: [Column.bigint("id", [2]), Column.text("kind", ["b"]), Column.bigint("score", [9])]),
                into: table, mode: .append)
            try await fixture.loader.store(try Frame(columns: [Column.bigint("id", [3])]), into: table, mode: .append)
            #expect(try await fixture.rows(table) == [["1", "a", nil], ["2", "b", "9"], ["3", nil, nil]])
            // A wider integer widens the column in place.
            try await fixture.loader.store(
                try Frame(columns: [Column.bigint("id", [4]), Column.bigint("score", [Int64.max])]), into: table,
                mode: .append)
            let back = try await fixture.loader.load(table, columns: ["score"])
            #expect(back.columns[0].values.compactMap { $0 } == [.integer(9), .integer(Int64.max)])
        }
    }

    @Test("a missing staged part fails the sequential load (which copies from the stage) and changes nothing")
    func missingPart() async throws {
        let fixture = try LoaderFixture {
            $0.partSize = 8 * 1024
            $0.pipelinedCopy = false
        }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01"]), into: table)
            let before = try await fixture.checksum(table)
            let losing = Loader(stage: PartLosingStore(base: fixture.loader.stage), options: fixture.loader.options)
            let error = try await #require(throws: StevedoreError.self) {
                try await losing.store(LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 3000), into: table)
            }
            #expect(error.code == .stage)
            #expect(error.step == .copy)
            #expect(error.message.contains("NoSuchKey"))
            #expect(try await fixture.checksum(table) == before)
        }
    }

    @Test("eight concurrent stores into one partition leave one store's rows; into eight partitions, all")
    func concurrency() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let partition = PartitionSpec.day("2024-01-01", column: "day")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for seed in 1...8 {
                    group.addTask {
                        try await fixture.loader.store(
                            LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: 10 + seed, seed: seed),
                            into: table, partition: partition)
                    }
                }
                try await group.waitForAll()
            }
            let connection = try await fixture.connection()
            let seeds = try await connection.execute("SELECT DISTINCT id / 1000000 FROM \(table.quoted)").rows
            #expect(seeds.count == 1)
            let seed = Int(seeds.first?.first??.description ?? "0") ?? 0
            #expect(try await connection.execute("SELECT count(*) FROM \(table.quoted)").scalar == String(10 + seed))

            let days = (1...8).map { "2024-02-0\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, day) in days.enumerated() {
                    group.addTask {
                        try await fixture.loader.store(
                            LoaderFixture.sales(days: [day], rowsPerDay: 5, seed: index + 10),
                            into: table, partition: .day(day, column: "day"))
                    }
                }
                try await group.waitForAll()
            }
            #expect(
                try await connection.execute(
                    "SELECT count(DISTINCT day) FROM \(table.quoted) WHERE day >= '2024-02-01'"
                ).scalar == "8")
            #expect(
                try await connection.execute("SELECT count(*) FROM \(table.quoted) WHERE day >= '2024-02-01'").scalar
                    == "40")
        }
    }

    @Test("table names: dotted, asset keys, and names the dialect cannot keep")
    func tableRefs() throws {
        #expect(try TableRef(parsing: "analytics.sales") == TableRef(schema: "analytics", table: "sales"))
        #expect(try TableRef(parsing: "sales") == TableRef(schema: "public", table: "sales"))
        #expect(
            try TableRef(assetKey: ["analytics", "sales", "daily"])
                == TableRef(schema: "analytics_sales", table: "daily"))
        #expect(throws: StevedoreError.self) { try TableRef(parsing: "a.b.c") }
        #expect(throws: StevedoreError.self) { try TableRef(parsing: ".sales") }
        #expect(throws: StevedoreError.self) { try TableRef(assetKey: []) }
        let long = TableRef(schema: "s", table: String(repeating: "x", count: 64))
        #expect(throws: StevedoreError.self) { try long.validate(for: PostgresDialect()) }
        #expect(TableRef(schema: #"we"ird"#, table: "t;--").quoted == #""we""ird"."t;--""#)
    }
}

extension Loader.Options {
    func with(_ change: (inout Loader.Options) -> Void) -> Loader.Options {
        var copy = self
        change(&copy)
        return copy
    }
}

/// A stage that loses the second part of every load between staging and COPY (it deletes the
/// object in the real folder stage just before the COPY reads it): a real NoSuchKey.
struct PartLosingStore: ObjectStore {
    let base: any ObjectStore
    var location: String { base.location }

    func put(_ key: String, body: ObjectBody) async throws -> ObjectInfo { try await base.put(key, body: body) }

    func get(_ key: String, range: ByteRange?, to sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws
        -> ObjectInfo
    {
        if key.hasSuffix("part-00002.csv.gz") { try await base.delete(key) }
        return try await base.get(key, range: range, to: sink)
    }

    func head(_ key: String) async throws -> ObjectInfo? { try await base.head(key) }
    func list(prefix: String) -> AsyncThrowingStream<ObjectSummary, any Error> { base.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await base.delete(key) }
    func deleteMany(_ keys: [String]) async throws -> DeleteReport { try await base.deleteMany(keys) }
}

@Suite("Loader under a killed connection", .timeLimit(.minutes(5)))
struct KilledConnectionTests {
    @Test(
        "a backend terminated during COPY fails the load and leaves table and ledger as they were",
        arguments: [false, true])
    func terminatedDuringCopy(pipelined: Bool) async throws {
        let fixture = try LoaderFixture {
            $0.partSize = 16 * 1024
            $0.pipelinedCopy = pipelined
        }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01"]), into: table)
            let before = try await fixture.checksum(table)
            let ledgerBefore = try await fixture.ledger(table)
            let watcher = try await fixture.connection()
            let killer = Task {
                // Wait for the loader's session to be in its COPY, then terminate it.
                for _ in 0..<2000 {
                    // Only this test's load: its COPY names this test's schema.
                    let killed = try await watcher.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stevedore' "
                            + "AND pid <> pg_backend_pid() AND query LIKE $1 AND state = 'active'",
                        ["COPY \"\(fixture.schema)\".%"])
                    if killed.rows.contains(where: { $0.first == "t" }) { return true }
                    try await Task.sleep(for: .milliseconds(5))
                }
                return false
            }
            let big = try LoaderFixture.sales(days: ["2024-01-02", "2024-01-03"], rowsPerDay: 40_000, seed: 3)
            let error = try await #require(throws: StevedoreError.self) {
                try await fixture.loader.store(big, into: table, mode: .append)
            }
            #expect(try await killer.value)
            #expect(error.code == .warehouse)
            // A pipelined load reads the table's columns and runs its DDL after the first part is encoded,
            // while staging goes on: the termination may land there.
            #expect(pipelined ? [.copy, .ddl].contains(error.step) : error.step == .copy, "\(error.step)")
            #expect(try await fixture.checksum(table) == before)
            #expect(try await fixture.ledger(table) == ledgerBefore)
        }
    }
}

@Suite("Loader: streams in, exports out", .timeLimit(.minutes(5)))
struct LoaderStreamTests {
    @Test("CSV batches stream into a table with inferred types")
    func csvBatches() async throws {
        let fixture = try LoaderFixture { $0.partSize = 4 * 1024 }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            var text = "id,zip,amount,seen,flag,label\n"
            for row in 1...5_000 {
                text +=
                    "\(row),0\(row % 9000 + 1000),\(row).25,2024-01-0\(row % 9 + 1)T10:00:00Z,\(row % 2 == 0),\"x, \(row)\"\n"
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sales-\(UUID().uuidString).csv.gz")
            try Data(try Gzip.compress(Array(text.utf8))).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let table = fixture.table("from_csv")
            let report = try await fixture.loader.store(
                try await .csv(path: file.path, options: CSVOptions(batchRows: 700)), into: table)
            #expect(report.rows == 5_000)
            #expect(report.parts > 1)
            let connection = try await fixture.connection()
            let types = try await connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
                    + "ORDER BY ordinal_position", [table.schema, table.table])
            #expect(
                types.rows == [
                    ["id", "bigint"], ["zip", "text"], ["amount", "numeric"],
                    ["seen", "timestamp with time zone"], ["flag", "boolean"], ["label", "text"],
                ])
            #expect(
                try await connection.execute("SELECT zip, amount::text, label FROM \(table.quoted) WHERE id = 42").rows
                    == [["01042", "42.25", "x, 42"]])
        }
    }

    @Test("a partition exports to the stage as gzip parts with a manifest, and to a file")
    func exportPartition() async throws {
        let fixture = try LoaderFixture { $0.partSize = 4 * 1024 }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 2_000), into: table)
            let day = PartitionSpec.day("2024-01-02", column: "day")
            let report = try await fixture.loader.export(
                table, partition: day, toStagePrefix: "exports/sales/day=2024-01-02")
            #expect(report.rows == 2_000)
            #expect(report.parts.count > 1)
            var exported: [UInt8] = []
            for part in report.parts {
                exported += try Gzip.decompress(try await fixture.loader.stage.getBytes(part.key))
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            try await fixture.loader.unload(table, partition: day, toFile: file.path)
            let written = Array(try Data(contentsOf: file))
            #expect(exported == written)
            let connection = try await fixture.connection()
            var direct: [UInt8] = []
            _ = try await connection.copyOut(
                "COPY (SELECT * FROM \(table.quoted) WHERE day = '2024-01-02') TO STDOUT (FORMAT csv)"
            ) {
                direct += $0
            }
            #expect(
                Set(String(decoding: exported, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false))
                    == Set(
                        String(decoding: direct, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    ))
            let manifest = String(decoding: try await fixture.loader.stage.getBytes(report.manifestKey), as: UTF8.self)
            #expect(manifest.components(separatedBy: "\"mandatory\":true").count == report.parts.count + 1)
        }
    }

    @Test("an export whose last part cannot be uploaded is a stage error naming the S3 failure")
    func exportUploadFails() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            try await fixture.loader.store(LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: 20), into: table)
            let missing = S3Store(
                try S3Configuration.fromEnvironment(
                    bucket: "stevedore-no-such-bucket-\(UInt32.random(in: 0...UInt32.max))"))
            // One small part: it goes up after the COPY, with the manifest.
            let error = try await #require(throws: StevedoreError.self) {
                try await Loader(stage: missing).export(table, toStagePrefix: "exports")
            }
            #expect(error.code == .stage)
            #expect(error.step == .loadBack)
            #expect((error.underlying as? ObjectStoreError)?.s3Code == "NoSuchBucket")
            #expect("\(error)".contains("PutObject failed"))
        }
    }
}

@Suite("Loader: the stage after a load", .timeLimit(.minutes(5)))
struct StageLifecycleTests {
    @Test("keepStage keeps the parts and the manifest under the reported prefix")
    func keepStage() async throws {
        let fixture = try LoaderFixture {
            $0.partSize = 8 * 1024
            $0.keepStage = true
        }
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let report = try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-05"], rowsPerDay: 3_000), into: table,
                partition: .day("2024-01-05", column: "day"))
            let prefix = try #require(
                report.stagePrefix.components(separatedBy: fixture.loader.stage.manifestURLPrefix).last)
            #expect(prefix.hasSuffix("/\(report.loadID)/"))
            #expect(prefix.contains("/\(table.schema)/sales/day=2024-01-05/"))
            let keys = try await fixture.loader.stage.listKeys(prefix: prefix)
            #expect(keys.count == report.parts + 1)
            #expect(keys.contains(prefix + "manifest.json"))
            var rows = 0
            for key in keys where key.hasSuffix(".csv.gz") {
                let csv = try Gzip.decompress(try await fixture.loader.stage.getBytes(key))
                rows += String(decoding: csv, as: UTF8.self).components(separatedBy: "\n").count - 1
            }
            #expect(rows >= report.rows)
        }
    }
}

@Suite("Loader: whole-table and partition loads at once", .timeLimit(.minutes(5)))
struct MixedConcurrencyTests {
    @Test("a whole-table replace and partition loads of the same table never interleave")
    func replaceAgainstPartitions() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let days = ["2024-01-01", "2024-01-02", "2024-01-03"]
            try await fixture.loader.store(LoaderFixture.sales(days: days, rowsPerDay: 30), into: table)
            let connection = try await fixture.connection()
            for round in 1...4 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await fixture.loader.store(
                            LoaderFixture.sales(days: days, rowsPerDay: 30, seed: round), into: table)
                    }
                    group.addTask {
                        try await fixture.loader.store(
                            LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 7, seed: 50 + round),
                            into: table, partition: .day("2024-01-02", column: "day"))
                    }
                    try await group.waitForAll()
                }
                // Whichever committed last, day 2 holds one load's rows: 30 (the replace) or 7 (the partition).
                let count = try await connection.execute(
                    "SELECT count(*) FROM \(table.quoted) WHERE day = '2024-01-02'"
                ).scalar
                #expect(count == "30" || count == "7", "round \(round): \(count ?? "nil") rows")
                #expect(
                    try await connection.execute("SELECT count(*) FROM \(table.quoted) WHERE day <> '2024-01-02'")
                        .scalar == "60")
            }
        }
    }
}
