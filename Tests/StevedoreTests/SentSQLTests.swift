import Blocking
import Foundation
import Frames
import ObjectStore
import Stevedore
import TestSupport
import Testing
import Warehouse

/// The statements a load sends, in order, checked on a `ScriptedSession` with no warehouse server:
/// Redshift's flow (which no server here speaks) and PostgreSQL's lock order.
@Suite("The SQL a load sends", .timeLimit(.minutes(5)))
struct SentSQLTests {
    static let role = "arn:aws:iam::123456789012:role/Loader"

    /// The index of the first statement at or after `start` that begins with `prefix`.
    static func index(_ sent: [ScriptedSession.Sent], _ prefix: String, from start: Int = 0) -> Int? {
        sent.indices.first { $0 >= start && sent[$0].sql.hasPrefix(prefix) }
    }

    /// The load's transaction committed last, and only the report's read of the table's columns
    /// came after it.
    static func endsWithCommit(_ sent: [ScriptedSession.Sent]) -> Bool {
        sent.count >= 2 && sent[sent.count - 2].sql == "COMMIT"
            && sent[sent.count - 1].sql.hasPrefix("SELECT column_name, data_type")
            && sent[sent.count - 1].sql.contains("information_schema.columns")
    }

    /// A Redshift loader staging to the S3 test server, its sessions scripted.
    static func redshiftLoader(_ session: ScriptedSession, prefix: String) throws -> Loader {
        let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
        var options = Loader.Options()
        options.stagePrefix = prefix
        options.redshiftAuthorization = .iamRole(role)
        options.redshiftRegion = "us-east-1"
        options.keepStage = true
        return Loader(
            dialect: RedshiftDialect(), stage: S3Store(try S3Configuration.fromEnvironment(bucket: bucket)),
            options: options, sessions: .custom { session })
    }

    @Test("Redshift, load back: the UNLOAD's parts stream back in the manifest's order, NULL flags read")
    func redshiftLoadBack() async throws {
        let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
        // The second part is a few MB of gzip that does not compress well: its download arrives in
        // many chunks, read as they come.
        var random: UInt64 = 7
        func noise() -> String {
            (0..<40).map { _ in
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return String(UnicodeScalar(UInt8(97 + (random >> 33) % 26)))
            }.joined()
        }
        let first = "1,\\N,1\n2,\\N,0\n3,\"\",0\n"
        let second = (4..<80_004).map { "\($0),\(noise()),0\n" }.joined()
        let written = LockedBox<[String]>([])
        let session = ScriptedSession(
            answer: { sql, _ in
                guard sql.contains("information_schema.columns") else { return QueryResult() }
                return QueryResult(rows: [
                    ["id", "integer", nil, "32", "0", "YES", "int4", nil],
                    ["note", "character varying", "256", nil, nil, "YES", "varchar", nil],
                ])
            },
            effect: { sql in
                guard sql.hasPrefix("UNLOAD"), let to = sql.range(of: "TO 's3://\(bucket)/") else { return }
                let prefix = String(sql[to.upperBound...].prefix { $0 != "'" })
                var entries: [String] = []
                for (name, csv) in [("0000_part_00.gz", first), ("0001_part_00.gz", second)] {
                    let gzip = try GzipWriter()
                    try gzip.write(Array(csv.utf8))
                    _ = try gzip.finish()
                    let bytes = gzip.drain()
                    try await store.put(prefix + name, body: .bytes(bytes))
                    entries.append(
                        #"{"url":"s3://\#(bucket)/\#(prefix)\#(name)","meta":{"content_length":\#(bytes.count)}}"#)
                }
                try await store.put(
                    prefix + "manifest", body: .bytes(Array("{\"entries\":[\(entries.joined(separator: ","))]}".utf8)))
                written.withLock { $0.append(prefix) }
            })
        let loader = try Self.redshiftLoader(session, prefix: "tests/sent-sql-\(UInt32.random(in: 0...UInt32.max))")
        let frame = try await loader.load(TableRef(schema: "analytics", table: "notes"))
        #expect(frame.rowCount == 80_003)
        let notes = frame.columns[1].values
        #expect(notes[0] == nil, "flagged NULL")
        #expect(notes[1] == .text("\\N"), "a text \\N, not NULL")
        #expect(notes[2] == .text(""))
        #expect(frame.columns[0].values.last == .integer(80_003))
        let unload = try #require(session.sent.first { $0.sql.hasPrefix("UNLOAD") })
        #expect(unload.sql.contains(#"CASE WHEN "note" IS NULL THEN 1 ELSE 0 END"#))
        // The unload's files are removed once read.
        let prefix = try #require(written.withLock { $0.first })
        #expect(try await store.listKeys(prefix: prefix).isEmpty)
    }

    @Test("Redshift, a new table: ledger, CREATE before LOCK, DELETE, COPY from the manifest, ledger row, COMMIT")
    func redshiftPartitionLoad() async throws {
        let session = ScriptedSession()
        let prefix = "tests/sent-sql-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        let table = TableRef(schema: "analytics", table: "sales")
        let frame = try LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 40)
        let report = try await loader.store(frame, into: table, partition: .day("2024-01-02", column: "day"))
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            let sent = session.sent
            #expect(report.rows == 40)
            #expect(!sent.contains { $0.sql.contains("pg_advisory") }, "Redshift has no advisory locks")
            // The session first: names folded as the catalog lookups expect, and UTC.
            #expect(
                Array(sent.prefix(2).map(\.sql))
                    == ["SET enable_case_sensitive_identifier TO false", "SET timezone TO 'UTC'"])
            // The ledger first, in a transaction of its own.
            let ledger = try #require(Self.index(sent, #"CREATE TABLE IF NOT EXISTS "stevedore"."load_history""#))
            #expect(sent[ledger + 1].sql == "COMMIT")
            // Then the new table, in a transaction of its own, so that the load's can lock it first.
            let create = try #require(Self.index(sent, #"CREATE TABLE IF NOT EXISTS "analytics"."sales""#))
            #expect(sent[create - 2].sql == "BEGIN" && sent[create - 1].sql.hasPrefix("CREATE SCHEMA"))
            #expect(sent[create + 1].sql == "COMMIT")
            // The load's transaction locks the target and the ledger before anything else, as
            // Redshift's serializable isolation advises; the rows go in under the lock.
            let lock = try #require(Self.index(sent, #"LOCK "analytics"."sales", "stevedore"."load_history""#))
            let begin = lock - 1
            #expect(sent[begin].sql == "BEGIN" && begin == create + 2)
            let delete = try #require(Self.index(sent, #"DELETE FROM "analytics"."sales" WHERE "day" = $1"#))
            let copy = try #require(Self.index(sent, #"COPY "analytics"."sales""#))
            let insert = try #require(Self.index(sent, #"INSERT INTO "stevedore"."load_history""#))
            #expect(create > ledger + 1)
            #expect(lock < delete && delete < copy && copy < insert)
            #expect(Self.endsWithCommit(sent) && Self.index(sent, "COMMIT", from: begin) == sent.count - 2)
            #expect(sent[create].sql.contains(#""amount" DECIMAL(12,2)"#), "the frame's own type: \(sent[create].sql)")
            #expect(sent[delete].parameters == ["2024-01-02"])
            let manifestURL = report.stagePrefix + "manifest.json"
            let expected = try RedshiftDialect().copyFromManifest(
                TableName(schema: "analytics", table: "sales"), columns: frame.schema.names, manifestURL: manifestURL,
                authorization: .iamRole(Self.role), region: "us-east-1")
            #expect(sent[copy].sql == expected)
            #expect(sent[insert].parameters[2] == "sales" && sent[insert].parameters[6] == "40")
            // What the COPY reads is on the stage: the manifest lists every part, each mandatory.
            let keys = try await loader.stage.listKeys(prefix: prefix)
            let manifestKey = try #require(keys.first { $0.hasSuffix("/manifest.json") })
            #expect(manifestURL.hasSuffix(manifestKey))
            let manifest = String(decoding: try await loader.stage.getBytes(manifestKey), as: UTF8.self)
            #expect(manifest.components(separatedBy: "\"mandatory\":true").count - 1 == report.parts)
        }
    }

    @Test("Redshift, an Arrow stream: its types' DDL, bare hex for VARBYTE in the staged CSV, and a duration refused")
    func redshiftArrowLoad() async throws {
        let session = ScriptedSession()
        let prefix = "tests/sent-sql-arrow-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        let table = TableRef(schema: "analytics", table: "events")
        let frame = try Frame(columns: [
            Column(name: "id", type: .integer, values: [.integer(1), .integer(2)]),
            Column(name: "score", type: .real, values: [.double(0.5), nil]),
            Column(name: "at", type: .time, values: [.time(3_600_000_000), nil]),
            Column(name: "payload", type: .binary, values: [.binary([0xCA, 0xFE]), .binary([])]),
            Column(name: "big", type: .decimal(precision: 20, scale: 0), values: [.decimal(ExactDecimal(7)), nil]),
        ])
        let source = LoadSource.arrow({ MemoryByteSource(frame.arrowBytes()) }, name: "events.arrows")
        let report = try await loader.store(source, into: table)
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            let sent = session.sent
            let create = try #require(Self.index(sent, #"CREATE TABLE IF NOT EXISTS "analytics"."events""#))
            #expect(
                sent[create].sql.hasSuffix(
                    #"("id" INTEGER, "score" REAL, "at" TIME, "payload" VARBYTE(65535), "big" DECIMAL(20,0)) DISTSTYLE AUTO ENCODE AUTO"#
                ),
                "\(sent[create].sql)")
            let part = try #require(try await loader.stage.listKeys(prefix: prefix).first { $0.hasSuffix(".csv.gz") })
            let csv = String(decoding: try Gzip.decompress(try await loader.stage.getBytes(part)), as: UTF8.self)
            #expect(csv == "1,0.5,01:00:00,cafe,7\n2,\\N,\\N,\"\",\\N\n", "\(csv)")
            #expect(report.rows == 2)

            // Lists, structs and maps are SUPER, filled from their JSON text.
            let nested = ArrowTools.fixtures.appendingPathComponent("sliced.arrows")
            _ = try await loader.store(
                try await .arrow(path: nested.path), into: TableRef(schema: "analytics", table: "lists"))
            let lists = try #require(
                session.sent.last { $0.sql.hasPrefix(#"CREATE TABLE IF NOT EXISTS "analytics"."lists""#) })
            #expect(
                lists.sql.hasSuffix(#""bool" BOOLEAN, "list_i64" SUPER) DISTSTYLE AUTO ENCODE AUTO"#), "\(lists.sql)")
        }

        let durations = try Frame(columns: [Column(name: "took", type: .interval, values: [.interval(1_000_000)])])
        await #expect {
            try await loader.store(
                LoadSource.arrow({ MemoryByteSource(durations.arrowBytes()) }, name: "took.arrows"),
                into: TableRef(schema: "analytics", table: "took"))
        } throws: { error in
            "\(error)".contains("column 'took': Redshift has no column type for a duration (interval)")
        }
    }

    @Test("Redshift, a decimal wider than 38 digits (Arrow) or pinned to numeric (CSV): its digits decide the type")
    func redshiftWideDecimal() async throws {
        let folder = try await BlockingPool.shared.run { try ArrowTools.writeFixtures() }
        let session = ScriptedSession()
        let prefix = "tests/sent-sql-wide-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
            try? FileManager.default.removeItem(at: folder)
        }) {
            let file = folder.appendingPathComponent("decimal256_wide.arrows")
            let report = try await loader.store(
                try await .arrow(path: file.path), into: TableRef(schema: "analytics", table: "wide"))
            #expect(report.rows == 6)
            let create = try #require(
                session.sent.first { $0.sql.hasPrefix(#"CREATE TABLE IF NOT EXISTS "analytics"."wide""#) })
            #expect(create.sql.hasSuffix(#"("dec256_50_5" VARCHAR(52)) DISTSTYLE AUTO ENCODE AUTO"#), "\(create.sql)")

            // A CSV column pinned to numeric: its values' digits, not DECIMAL(38,0), which would round them.
            var options = loader.options
            options.pinnedTypes = ["price": .numeric]
            let batch = try TextBatch(columnNames: ["price"], rows: [["1.5"], ["12.25"], [nil]])
            var handed = false
            _ = try await loader.with(options: options).store(
                .reading {
                    defer { handed = true }
                    return handed ? nil : batch
                }, into: TableRef(schema: "analytics", table: "prices"))
            let prices = try #require(
                session.sent.first { $0.sql.hasPrefix(#"CREATE TABLE IF NOT EXISTS "analytics"."prices""#) })
            #expect(prices.sql.hasSuffix(#"("price" DECIMAL(38,2)) DISTSTYLE AUTO ENCODE AUTO"#), "\(prices.sql)")
        }
    }

    @Test("Redshift, a table design: the new table's CREATE carries it; a key the data lacks stops the load first")
    func redshiftTableDesign() async throws {
        let session = ScriptedSession()
        let prefix = "tests/sent-sql-design-\(UInt32.random(in: 0...UInt32.max))"
        let plain = try Self.redshiftLoader(session, prefix: prefix)
        var options = plain.options
        // Redshift folds names: "ID" is the data's "id", and the DDL names it so.
        options.tableDesign = TableDesign(distributionKey: "ID", sortKeys: ["day", "id"])
        let loader = plain.with(options: options)
        let table = TableRef(schema: "analytics", table: "sales")
        let frame = try LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 5)
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            _ = try await loader.store(frame, into: table, partition: .day("2024-01-02", column: "day"))
            let sent = session.sent
            let create = try #require(Self.index(sent, #"CREATE TABLE IF NOT EXISTS "analytics"."sales""#))
            #expect(
                sent[create].sql.hasSuffix(#") DISTSTYLE KEY DISTKEY("id") COMPOUND SORTKEY("day", "id") ENCODE AUTO"#),
                "\(sent[create].sql)")
            #expect(sent[create + 1].sql == "COMMIT" && Self.endsWithCommit(sent))
            // The plan shows the same CREATE.
            let plan = try await loader.plan(.frame(frame), into: table, partition: .day("2024-01-02", column: "day"))
            #expect(plan.statements.contains(sent[create].sql), "\(plan.statements)")

            // A sort key the data lacks: refused after staging, before any DDL; the parts are removed.
            let missing = ScriptedSession()
            let missingPrefix = prefix + "/missing"
            var refusedOptions = try Self.redshiftLoader(missing, prefix: missingPrefix).options
            refusedOptions.tableDesign = TableDesign(sortKeys: ["day", "store_id"])
            let refused = try Self.redshiftLoader(missing, prefix: missingPrefix).with(options: refusedOptions)
            await #expect {
                try await refused.store(frame, into: table, partition: .day("2024-01-02", column: "day"))
            } throws: { error in
                guard let error = error as? StevedoreError else { return false }
                return error.code == .invalidRequest && error.stagePrefix == nil
                    && error.message.contains("the sort key (--sort-key) column 'store_id' is not a column of the data")
            }
            #expect(Self.index(missing.sent, #"CREATE TABLE IF NOT EXISTS "analytics"."sales""#) == nil)
            #expect(Self.index(missing.sent, "COPY ") == nil && Self.index(missing.sent, "LOCK ") == nil)
            #expect(try await loader.stage.listKeys(prefix: missingPrefix).isEmpty, "the staged parts are removed")

            // A table that exists keeps its layout: no CREATE, whatever the design says.
            let existing = ScriptedSession { sql, _ in
                guard sql.contains("information_schema.columns") else { return QueryResult() }
                return QueryResult(rows: [
                    ["id", "bigint", nil, "64", "0", "YES", "int8", nil],
                    ["day", "date", nil, nil, nil, "YES", "date", nil],
                    ["region", "character varying", "256", nil, nil, "YES", "varchar", nil],
                    ["amount", "numeric", nil, "12", "2", "YES", "numeric", nil],
                    ["note", "character varying", "65535", nil, nil, "YES", "varchar", nil],
                ])
            }
            let onExisting = try Self.redshiftLoader(existing, prefix: prefix + "/existing").with(options: options)
            _ = try await onExisting.store(frame, into: table, partition: .day("2024-01-02", column: "day"))
            #expect(Self.index(existing.sent, #"CREATE TABLE IF NOT EXISTS "analytics"."sales""#) == nil)
            #expect(Self.index(existing.sent, #"COPY "analytics"."sales""#) != nil)
            let existingPlan = try await onExisting.plan(
                .frame(frame), into: table, partition: .day("2024-01-02", column: "day"))
            #expect(!existingPlan.statements.contains { $0.hasPrefix("CREATE TABLE") })
            #expect(
                existingPlan.notes.contains { $0.hasPrefix("the table exists: its distribution and sort keys stay") })
        }
    }

    @Test("PostgreSQL refuses a table design before it connects")
    func postgresRefusesTableDesign() async throws {
        let session = ScriptedSession()
        var options = Loader.Options()
        options.tableDesign = TableDesign(sortKeys: ["day"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sent-sql-\(UUID().uuidString)")
        let loader = Loader(stage: try FileStore(root: folder), options: options, sessions: .custom { session })
        let frame = try LoaderFixture.sales(days: ["2024-01-04"], rowsPerDay: 3)
        try await withCleanUp({ try? FileManager.default.removeItem(at: folder) }) {
            for attempt in 0..<2 {
                await #expect {
                    if attempt == 0 {
                        _ = try await loader.store(frame, into: TableRef(schema: "s", table: "t"))
                    } else {
                        _ = try await loader.plan(.frame(frame), into: TableRef(schema: "s", table: "t"))
                    }
                } throws: { error in
                    guard let error = error as? StevedoreError else { return false }
                    return error.code == .invalidRequest && error.message.contains("are Redshift's")
                }
            }
            #expect(session.sent.isEmpty, "nothing was sent: \(session.sent.map(\.sql))")
        }
    }

    @Test("Redshift, an empty partition: the DELETE and the ledger row, and no COPY of an empty manifest")
    func redshiftEmptyPartition() async throws {
        let session = ScriptedSession()
        let prefix = "tests/sent-sql-empty-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        let frame = try LoaderFixture.sales(days: ["2024-01-02"], rowsPerDay: 0)
        let report = try await loader.store(
            frame, into: TableRef(schema: "analytics", table: "sales"), partition: .day("2024-01-02", column: "day"))
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            let sent = session.sent
            #expect(report.rows == 0 && report.parts == 0)
            #expect(Self.index(sent, #"DELETE FROM "analytics"."sales" WHERE "day" = $1"#) != nil)
            #expect(Self.index(sent, #"COPY "#) == nil, "\(sent.map(\.sql))")
            #expect(Self.index(sent, #"INSERT INTO "stevedore"."load_history""#) != nil)
            #expect(Self.endsWithCommit(sent), "\(sent.suffix(2).map(\.sql))")
        }
    }

    @Test("Redshift, a COPY the cluster refuses: its load errors are read, the load rolls back, nothing commits")
    func redshiftRefusedCopy() async throws {
        let session = ScriptedSession { sql, _ in
            if sql.hasPrefix("COPY ") {
                throw WarehouseError(code: .serverError, message: "Load into table 'sales' failed.", sqlState: "XX000")
            }
            // Recorded as the tables hold them: SYS_LOAD_ERROR_DETAIL has none here, STL_LOAD_ERRORS one.
            if sql.contains("sys_load_error_detail") { return QueryResult(rows: []) }
            if sql.contains("stl_load_errors") {
                return QueryResult(rows: [["s3://stage/x/part-00001.csv.gz", "7", "amount", "abc", "Invalid digit"]])
            }
            return QueryResult()
        }
        let prefix = "tests/sent-sql-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        let frame = try LoaderFixture.sales(days: ["2024-01-03"], rowsPerDay: 10)
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            let error = try await #require(throws: StevedoreError.self) {
                try await loader.store(
                    frame, into: TableRef(schema: "analytics", table: "sales"),
                    partition: .day("2024-01-03", column: "day"))
            }
            #expect(error.step == .copy)
            #expect(error.message.contains("Load into table 'sales' failed."), "\(error.message)")
            #expect(error.message.contains("Invalid digit"), "the load errors are in the message: \(error.message)")
            let sent = session.sent
            let copy = try #require(Self.index(sent, "COPY "))
            // The failed transaction takes nothing but ROLLBACK; the load errors are read after it,
            // by the load's id in the parts' names (a rolled-back COPY leaves pg_last_copy_id() alone).
            #expect(sent[copy + 1].sql == "ROLLBACK")
            #expect(sent[copy + 2].sql.contains("sys_load_error_detail"), "SYS_LOAD_ERROR_DETAIL first")
            #expect(sent[copy + 3].sql.contains("stl_load_errors") && !sent[copy + 3].sql.contains("pg_last_copy_id"))
            let loadID = try #require(sent[copy + 3].parameters.first ?? nil)
            #expect(error.stagePrefix?.hasSuffix("/\(loadID)/") == true, "\(String(describing: error.stagePrefix))")
            #expect(sent.count == copy + 4)
            // A frame has no input lines: the part and its line, the column, the value and the reason.
            #expect(
                error.message.contains("column 'amount', value 'abc' (part-00001.csv.gz, line 7): Invalid digit"),
                "\(error.message)")
            #expect(!sent.contains { $0.sql.hasPrefix(#"INSERT INTO "stevedore"."load_history""#) })
        }
    }

    @Test("Redshift, a COPY that meets ERROR 1023 once: the transaction rolls back, waits, runs again and commits")
    func redshiftConflictRetried() async throws {
        let copies = LockedBox(0)
        let session = ScriptedSession { sql, _ in
            let first =
                sql.hasPrefix("COPY ")
                && copies.withLock { count in
                    count += 1
                    return count == 1
                }
            if first {
                throw WarehouseError(
                    code: .serverError, message: "1023", sqlState: "XX000",
                    detail:
                        "Serializable isolation violation on table - 142209, transactions forming the cycle are: 1, 2")
            }
            return QueryResult()
        }
        let prefix = "tests/sent-sql-conflict-\(UInt32.random(in: 0...UInt32.max))"
        var loader = try Self.redshiftLoader(session, prefix: prefix)
        let waits = LockedBox<[Duration]>([])
        var options = loader.options
        options.conflictRetry = ConflictRetry(
            maxRetries: 3, baseDelay: .milliseconds(200), random: { 0.25 },
            sleep: { wait in waits.withLock { $0.append(wait) } })
        loader = loader.with(options: options)
        let frame = try LoaderFixture.sales(days: ["2024-01-05"], rowsPerDay: 5)
        let report = try await loader.store(
            frame, into: TableRef(schema: "analytics", table: "sales"), partition: .day("2024-01-05", column: "day"))
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            #expect(report.conflictRetries == 1 && report.rows == 5)
            #expect(waits.withLock { $0 } == [.milliseconds(50)])
            let sent = session.sent
            let copies = sent.indices.filter { sent[$0].sql.hasPrefix("COPY ") }
            #expect(copies.count == 2)
            let first = try #require(copies.first)
            #expect(sent[first + 1].sql == "ROLLBACK", "the conflict rolls the first attempt back")
            #expect(!sent[first...].contains { $0.sql.contains("stl_load_errors") }, "a conflict is no load error")
            let locks = sent.indices.filter { sent[$0].sql.hasPrefix("LOCK ") }
            #expect(locks.count == 2 && sent[locks[1] - 1].sql == "BEGIN" && locks[1] > first)
            #expect(sent.filter { $0.sql.hasPrefix(#"INSERT INTO "stevedore"."load_history""#) }.count == 1)
            #expect(Self.endsWithCommit(sent))
        }
    }

    @Test(
        "Redshift, keys ending in a blank: a partition key is refused before anything runs, a merge key after the COPY")
    func redshiftTrailingBlanks() async throws {
        let session = ScriptedSession { sql, _ in
            if sql.contains("information_schema.columns") {
                return QueryResult(rows: [
                    ["code", "character varying", "256", nil, nil, "YES", "varchar", nil],
                    ["qty", "bigint", nil, "64", "0", "YES", "int8", nil],
                ])
            }
            if sql.hasPrefix("SELECT count(*)") { return QueryResult(rows: [["0"]]) }
            if sql.contains("RTRIM(") { return QueryResult(rows: [["b  "]]) }
            return QueryResult()
        }
        let prefix = "tests/sent-sql-blanks-\(UInt32.random(in: 0...UInt32.max))"
        let loader = try Self.redshiftLoader(session, prefix: prefix)
        let table = TableRef(schema: "analytics", table: "stock")
        let batch = try TextBatch(columnNames: ["code", "qty"], rows: [["a", "1"], ["b  ", "2"]])
        func source() -> LoadSource {
            var handed = false
            return .reading {
                defer { handed = true }
                return handed ? nil : batch
            }
        }
        try await withCleanUp({
            _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
        }) {
            let partition = try await #require(throws: StevedoreError.self) {
                try await loader.store(source(), into: table, partition: .value("eu ", column: "region"))
            }
            #expect(partition.step == .plan && partition.code == .invalidRequest)
            #expect(partition.message.contains("the partition key region='eu ' ends in a blank"), "\(partition)")
            #expect(session.sent.isEmpty, "refused before connecting")

            let merge = try await #require(throws: StevedoreError.self) {
                try await loader.store(source(), into: table, mode: .merge(keys: ["code"]))
            }
            #expect(
                merge.step == .copy && merge.message.contains("the merge key code='b  ' ends in a blank"), "\(merge)")
            let sent = session.sent
            let check = try #require(sent.firstIndex { $0.sql.contains("RTRIM(") })
            #expect(sent[check].sql.contains(#"LENGTH("code") <> LENGTH(RTRIM("code"))"#))
            #expect(!sent[check...].contains { $0.sql.hasPrefix("DELETE") }, "nothing is replaced")
            #expect(sent.last?.sql == "ROLLBACK")
        }
    }

    @Test("PostgreSQL, a sequential load: the table, partition and DDL locks in that order, then DELETE, COPY, ledger")
    func postgresLockOrder() async throws {
        let session = ScriptedSession()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sent-sql-\(UUID().uuidString)")
        var options = Loader.Options()
        options.pipelinedCopy = false
        let loader = Loader(stage: try FileStore(root: folder), options: options, sessions: .custom { session })
        let frame = try LoaderFixture.sales(days: ["2024-01-04"], rowsPerDay: 25)
        try await withCleanUp({ try? FileManager.default.removeItem(at: folder) }) {
            let report = try await loader.store(
                frame, into: TableRef(schema: "s", table: "t"), partition: .day("2024-01-04", column: "day"))
            #expect(report.copy == .sequential)
            let sent = session.sent
            #expect(sent.first?.sql == "SET TimeZone = 'UTC'")
            let tableLock = try #require(Self.index(sent, "SELECT pg_advisory_xact_lock_shared("))
            #expect(sent[tableLock].parameters == ["s.t#table"])
            #expect(sent[tableLock + 1].parameters == ["s.t/day=2024-01-04"], "the partition lock comes next")
            let ddlLock = try #require(sent.firstIndex { $0.parameters == ["s.t#ddl"] })
            let create = try #require(Self.index(sent, #"CREATE TABLE IF NOT EXISTS "s"."t""#))
            let delete = try #require(Self.index(sent, #"DELETE FROM "s"."t""#))
            let copy = try #require(Self.index(sent, #"COPY "s"."t""#))
            let insert = try #require(Self.index(sent, #"INSERT INTO "stevedore"."load_history""#))
            #expect(tableLock < ddlLock && ddlLock < create && create < delete && delete < copy && copy < insert)
            #expect(Self.endsWithCommit(sent), "\(sent.suffix(2).map(\.sql))")
            // The COPY streamed every row of the staged CSV (notes hold line feeds, so each row is
            // found by its id at the start of a line).
            let copied = String(decoding: sent[copy].copied, as: UTF8.self)
            for id in 1...25 { #expect(copied.contains("\n\(id),") || copied.hasPrefix("\(id),")) }
        }
    }
}
