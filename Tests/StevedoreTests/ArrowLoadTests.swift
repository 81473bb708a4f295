import Blocking
import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// Arrow IPC through the loader into PostgreSQL, from files the real writers (pyarrow, Polars,
/// pandas) wrote, compared value by value with what PostgreSQL prints; and back out.
@Suite("Arrow loads from pyarrow, Polars and pandas", .timeLimit(.minutes(5)))
struct ArrowLoadTests {
    /// The values of `expected`'s columns in `table`, each as PostgreSQL prints `col::text`, in
    /// the order the rows were loaded.
    static func values(_ table: TableRef, _ expected: ArrowTools.Expected, on connection: Connection)
        async throws -> [[String?]]
    {
        guard !expected.columns.isEmpty else { return [] }
        let list = expected.columns.map { "\(quoteIdentifier($0.name))::text" }.joined(separator: ", ")
        return try await connection.execute("SELECT \(list) FROM \(table.quoted)").rows
    }

    /// Loads `file` into a new table and checks every value against its expected file.
    static func checkLoad(_ file: URL, fixture: LoaderFixture, connection: Connection) async throws {
        let expected = try ArrowTools.expected(for: file)
        let table = fixture.table(file.lastPathComponent.replacingOccurrences(of: ".", with: "_"))
        let report = try await fixture.loader.store(try await .arrow(path: file.path), into: table)
        #expect(report.rows == expected.rows.count, "\(file.lastPathComponent)")
        let rows = try await values(table, expected, on: connection)
        #expect(rows.count == expected.rows.count, "\(file.lastPathComponent)")
        for (index, (row, wanted)) in zip(rows, expected.rows).enumerated() {
            for (column, (value, want)) in zip(expected.columns, zip(row, wanted)) where value != want {
                Issue.record(
                    "\(file.lastPathComponent) row \(index + 1) \(column.name): \(value ?? "NULL") ≠ \(want ?? "NULL")")
            }
        }
    }

    /// Runs `body` with a loader fixture and a connection, and drops the fixture's schema after.
    static func withLoader(_ body: (LoaderFixture, Connection) async throws -> Void) async throws {
        let fixture = try LoaderFixture()
        let connection = try await fixture.connection()
        try await withCleanUp({
            try? await fixture.dropSchema()
            await connection.close()
        }) {
            try await body(fixture, connection)
        }
    }

    /// The committed fixtures that load (all but the compressed one).
    static var committedFixtures: [URL] {
        (try? ArrowTools.inputs(in: ArrowTools.fixtures).filter { !$0.lastPathComponent.hasPrefix("lz4") }) ?? []
    }

    @Test("each committed fixture loads value for value", arguments: committedFixtures)
    func committedFixture(_ file: URL) async throws {
        try await Self.withLoader { fixture, connection in
            try await Self.checkLoad(file, fixture: fixture, connection: connection)
        }
    }

    @Test("every file pyarrow, Polars and pandas write loads value for value; compressed and sub-µs ones are refused")
    func realWriters() async throws {
        let folder = try await BlockingPool.shared.run { try ArrowTools.writeFixtures() }
        try await withCleanUp({ try? FileManager.default.removeItem(at: folder) }) {
            try await Self.withLoader { fixture, connection in
                let refusals = [
                    "lz4.arrows": "compressed with LZ4_FRAME", "zstd.arrows": "compressed with ZSTD",
                    "sub_microsecond.arrows": "row 1: 1 ns is finer than the microseconds a warehouse keeps",
                ]
                var loaded: [String] = []
                for file in try ArrowTools.inputs(in: folder) {
                    if let refusal = refusals[file.lastPathComponent] {
                        let table = fixture.table("refused")
                        await #expect {
                            try await fixture.loader.store(try await .arrow(path: file.path), into: table)
                        } throws: { error in
                            "\(error)".contains(refusal) && "\(error)".contains(file.lastPathComponent)
                        }
                        continue
                    }
                    try await Self.checkLoad(file, fixture: fixture, connection: connection)
                    loaded.append(file.lastPathComponent)
                }
                // Each writer's stream and file forms were among them.
                for name in [
                    "pyarrow_stream.arrows", "pyarrow_file.arrow", "pyarrow_feather.feather", "polars_file.arrow",
                    "polars_stream.arrows", "pandas_feather.feather", "pandas_stream.arrows", "dict_delta.arrows",
                    "dict_replace.arrows", "sliced.arrows", "zero_batches.arrows", "empty_table.arrow",
                ] {
                    #expect(loaded.contains(name), "\(name) was not written or not loaded")
                }
            }
        }
    }

    @Test("the table's columns get the Arrow types' warehouse types, NULL and '' kept apart")
    func columnTypes() async throws {
        try await Self.withLoader { fixture, connection in
            let table = fixture.table("types")
            let file = ArrowTools.fixtures.appendingPathComponent("primitives_pyarrow.arrows")
            _ = try await fixture.loader.store(try await .arrow(path: file.path), into: table)
            let types = try await connection.execute(
                "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                    + "JOIN pg_attribute a ON a.attrelid = $1::regclass AND a.attname = c.column_name "
                    + "WHERE table_schema = $2 AND table_name = $3 ORDER BY ordinal_position",
                [table.tableName.quoted, table.schema, table.table]
            ).rows.map { "\($0[0] ?? "") \($0[1] ?? "")" }
            #expect(
                types == [
                    "i8 smallint", "i16 smallint", "i32 integer", "i64 bigint", "u8 smallint", "u16 integer",
                    "u32 bigint", "u64 numeric(20,0)", "f16 real", "f32 real", "f64 double precision", "bool boolean",
                    "dec128_38_10 numeric(38,10)", "date32 date", "date64 date", "ts_s timestamp without time zone",
                    "ts_ms_utc timestamp with time zone", "ts_ns_berlin timestamp with time zone",
                    "time32_s time without time zone", "time64_ns time without time zone", "dur_ms interval",
                    "dur_ns interval",
                ], "\(types)")

            let views = fixture.table("views")
            let polars = ArrowTools.fixtures.appendingPathComponent("polars_views.arrow")
            _ = try await fixture.loader.store(try await .arrow(path: polars.path), into: views)
            let apart = try await connection.execute(
                "SELECT count(*) FILTER (WHERE utf8_view IS NULL) || ' ' || count(*) FILTER (WHERE utf8_view = '') "
                    + "|| ' ' || min(pg_typeof(binary_view)::text) || ' ' || min(pg_typeof(dict_str)::text) FROM \(views.quoted)"
            ).scalar
            #expect(apart == "1 1 bytea text")
        }
    }

    @Test("an Arrow stream arriving as an async sequence of small chunks loads value for value")
    func asyncChunks() async throws {
        try await Self.withLoader { fixture, connection in
            let file = ArrowTools.fixtures.appendingPathComponent("primitives_pyarrow.arrows")
            let bytes = Array(try Data(contentsOf: file))
            let chunks = AsyncStream<[UInt8]> { continuation in
                for start in stride(from: 0, to: bytes.count, by: 7) {
                    continuation.yield(Array(bytes[start..<min(bytes.count, start + 7)]))
                }
                continuation.finish()
            }
            let table = fixture.table("chunks")
            let report = try await fixture.loader.store(.arrow(chunks: chunks, name: "pipeline"), into: table)
            let expected = try ArrowTools.expected(for: file)
            #expect(report.rows == expected.rows.count)
            #expect(try await Self.values(table, expected, on: connection) == expected.rows)
        }
    }

    @Test("a nanosecond timestamp pinned to text keeps every digit")
    func nanosecondsAsText() async throws {
        let folder = try await BlockingPool.shared.run { try ArrowTools.writeFixtures() }
        try await withCleanUp({ try? FileManager.default.removeItem(at: folder) }) {
            try await Self.withLoader { fixture, connection in
                let file = folder.appendingPathComponent("sub_microsecond.arrows")
                let table = fixture.table("ns")
                let options = ArrowReader.Options(pinnedTypes: ["ts_ns": .text, "ts_ns_utc": .text])
                var loaderOptions = fixture.loader.options
                loaderOptions.pinnedTypes = options.pinnedTypes
                let loader = fixture.loader.with(options: loaderOptions)
                _ = try await loader.store(try await .arrow(path: file.path, options: options), into: table)
                let expected = try ArrowTools.expected(for: file)
                #expect(try await Self.values(table, expected, on: connection) == expected.rows)
            }
        }
    }

    @Test("into an existing table the CSV rules apply: a wider column keeps its type, a narrower one is widened")
    func existingTable() async throws {
        try await Self.withLoader { fixture, connection in
            let file = ArrowTools.fixtures.appendingPathComponent("sliced.arrows")
            let table = fixture.table("existing")
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(fixture.schema))")
            try await connection.execute(
                "CREATE TABLE \(table.quoted) (i32 bigint, utf8 text, bool boolean, list_i64 jsonb)")
            try await connection.execute("INSERT INTO \(table.quoted) VALUES (7, 'kept', true, '[]')")
            _ = try await fixture.loader.store(try await .arrow(path: file.path), into: table, mode: .append)
            #expect(try await connection.execute("SELECT count(*) FROM \(table.quoted)").scalar == "6")
            #expect(try await Self.columnType(table, "i32", on: connection) == "bigint")

            let narrow = fixture.table("narrow")
            try await connection.execute(
                "CREATE TABLE \(narrow.quoted) (i32 smallint, utf8 text, bool boolean, list_i64 jsonb)")
            _ = try await fixture.loader.store(try await .arrow(path: file.path), into: narrow)
            #expect(try await Self.columnType(narrow, "i32", on: connection) == "integer")
            #expect(try await connection.execute("SELECT max(i32) FROM \(narrow.quoted)").scalar == "424242")
        }
    }

    static func columnType(_ table: TableRef, _ column: String, on connection: Connection) async throws -> String? {
        try await connection.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
            [table.tableName.quoted, column]
        ).scalar
    }
}
