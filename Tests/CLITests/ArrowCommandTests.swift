import Blocking
import Foundation
import TestSupport
import Testing

/// `stevedore load` and `unload` with Arrow, as a pipeline would run them: streams on stdin and
/// stdout, files by path, read back by pyarrow and Polars.
@Suite("Arrow through the CLI", .timeLimit(.minutes(5)))
struct ArrowCommandTests {
    /// A file of the real writers' set and its expected values.
    static func realFixtures() async throws -> URL {
        try await BlockingPool.shared.run { try ArrowTools.writeFixtures() }
    }

    /// `bytes` (a stream or file) as pyarrow or Polars read it, in canonical texts.
    static func readBack(_ bytes: [UInt8], with library: String) async throws -> ArrowTools.Expected {
        let output = try await BlockingPool.shared.run {
            try ArrowTools.run("read_canonical.py", ["-", "--with", library], stdin: bytes)
        }
        #expect(output.status == 0, "\(library): \(output.stderr)")
        return try JSONDecoder().decode(ArrowTools.Expected.self, from: Data(output.stdout))
    }

    @Test("PostgreSQL's infinite dates load into an existing table and come back as CSV; Arrow out refuses them")
    func infiniteDates() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-arrow-\(schema)"
        try await withCleanUp({ _ = try? ScheduleCommandTests.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }) {
            _ = try ScheduleCommandTests.psql(
                "CREATE SCHEMA \(schema); CREATE TABLE \(schema).spans (d date, ts timestamp, tz timestamptz)")
            let file = try CLI.file("spans.csv", "d,ts,tz\ninfinity,-infinity,Infinity\n2024-01-01,,\n")
            let load = try await CLI.run([
                "load", file.path, "--table", "\(schema).spans", "--stage", stage, "--mode", "append", "--json",
            ])
            #expect(load.status == 0, "\(load.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(load.stdout.utf8)) as? [String: Any]
            #expect(report?["rowsCopiedInBinary"] as? Int == 2, "sent as binary: \(load.stdout)")
            #expect(
                try await CLI.rows("\(schema).spans", stage: stage) == ["2024-01-01,,", "infinity,-infinity,infinity"])
            let arrow = try await CLI.run([
                "unload", "--table", "\(schema).spans", "--format", "arrow", "--stage", stage,
            ])
            #expect(arrow.status == 65)
            #expect(
                arrow.stderr.hasPrefix("stevedore: load back failed for \(schema).spans: ")
                    && arrow.stderr.contains("\"infinity\": Arrow has no form for this value"), "\(arrow.stderr)")
        }
    }

    @Test("a pyarrow stream piped in and a Polars file by path load; unload --format arrow reads back equal")
    func roundTrip() async throws {
        try CLI.requireServices()
        let folder = try await Self.realFixtures()
        let schema = CLI.uniqueSchema()
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-arrow-\(schema)"
        try await withCleanUp({
            _ = try? ScheduleCommandTests.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            try? FileManager.default.removeItem(at: folder)
        }) {
            let stream = folder.appendingPathComponent("pyarrow_stream.arrows")
            let expected = try ArrowTools.expected(for: stream)
            let piped = try await CLI.run(
                ["load", "-", "--format", "arrow", "--table", "\(schema).piped", "--stage", stage],
                stdin: Array(try Data(contentsOf: stream)))
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(
                (piped.stdout + piped.stderr).contains("loaded \(expected.rows.count) rows into \(schema).piped"),
                "\(piped.stdout)")

            let polars = folder.appendingPathComponent("polars_file.arrow")
            let byPath = try await CLI.run(["load", polars.path, "--table", "\(schema).polars", "--stage", stage])
            #expect(byPath.status == 0, "\(byPath.stderr)")
            #expect(
                try ScheduleCommandTests.psql("SELECT count(*) FROM \(schema).polars")
                    == "\(try ArrowTools.expected(for: polars).rows.count)")

            // Out to stdout (the stream format) and to a .arrow file (the file format).
            let out = try await CLI.run(["unload", "--table", "\(schema).piped", "--format", "arrow", "--stage", stage])
            #expect(out.status == 0, "\(out.stderr)")
            let file = folder.appendingPathComponent("unloaded.arrow")
            let toFile = try await CLI.run([
                "unload", "--table", "\(schema).piped", "--format", "arrow", "--to", file.path, "--stage", stage,
            ])
            #expect(
                (toFile.stdout + toFile.stderr).contains("wrote \(expected.rows.count) rows"), "\(toFile.stderr)")
            #expect(Array(try Data(contentsOf: file).prefix(6)) == Array("ARROW1".utf8))
            for (bytes, form) in [(out.stdoutBytes, "stream"), (Array(try Data(contentsOf: file)), "file")] {
                for library in ["pyarrow", "polars"] {
                    let read = try await Self.readBack(bytes, with: library)
                    #expect(read.columns.map(\.name) == expected.columns.map(\.name), "\(form) by \(library)")
                    #expect(read.rows.count == expected.rows.count, "\(form) by \(library)")
                    for (index, (row, wanted)) in zip(read.rows, expected.rows).enumerated() {
                        for (column, (value, want)) in zip(expected.columns, zip(row, wanted)) where value != want {
                            Issue.record(
                                "\(form) by \(library), row \(index + 1) \(column.name): \(value ?? "NULL") ≠ \(want ?? "NULL")"
                            )
                        }
                    }
                }
            }
            // The Arrow types the table's columns come back as.
            let types = Dictionary(
                try await Self.readBack(out.stdoutBytes, with: "pyarrow").columns.map { ($0.name, $0.type) },
                uniquingKeysWith: { first, _ in first })
            let expectedTypes = [
                "i8": "int16", "u64": "decimal128(20, 0)", "f16": "float", "f64": "double", "bool": "bool",
                "utf8": "string", "large_utf8": "string", "dict_str": "string", "date64": "date32[day]",
                "ts_ns_berlin": "timestamp[us, tz=UTC]", "ts_s": "timestamp[us]", "time32_s": "time64[us]",
                "dur_ns": "duration[us]", "binary": "binary", "list_i64": "string", "null": "string",
            ]
            for (name, type) in expectedTypes {
                #expect(types[name] == type, "\(name): \(types[name] ?? "missing")")
            }
        }
    }
}
