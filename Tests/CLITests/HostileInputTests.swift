import Foundation
import Frames
import Testing

/// Issue 9's hostile-input corpus, through the CLI as a user would meet it: malformed files, bytes
/// no warehouse stores, names and flag values built to look like SQL. Each input is either refused
/// (one line naming the file, line, column or flag; a documented exit code; the guarded table as it
/// was) or, where it is a legal name or value, kept literally, never run as SQL: a `canary` table
/// that every injected statement tries to drop is still there, and the schema holds no other table.
@Suite(
    "Hostile input through the CLI: refused clearly or kept literally, never run as SQL", .serialized,
    .timeLimit(.minutes(5)))
struct HostileInputTests {
    /// A schema with a guarded table of known rows and a canary; checks both after every case.
    struct Arena {
        let schema = CLI.uniqueSchema()
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-hostile-stage"
        var guarded: String { "\(schema).sales" }
        var canary: String { "\(schema).canary" }

        init() async throws {
            try CLI.requireServices()
            let file = try CLI.file("sales.csv", LoadCommandTests.sales)
            let result = try await CLI.run(["load", file.path, "--table", guarded, "--stage", stage, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            _ = try ScheduleCommandTests.psql("CREATE TABLE \(canary) (alive int); INSERT INTO \(canary) VALUES (1)")
        }

        /// Guarded rows unchanged, the canary alive, and no table in the schema beyond those two
        /// (and `extra`, the tables a kept-literally case created on purpose).
        func expectIntact(after label: String, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation)
            throws
        {
            let rows = try ScheduleCommandTests.psql(
                "SELECT id || ',' || sale_date || ',' || region || ',' || coalesce(amount::text, '') FROM \(guarded) ORDER BY id"
            )
            #expect(
                rows == "1,2024-01-01,eu,10.50\n2,2024-01-01,us,\n3,2024-01-02,eu,7.25", "after \(label)",
                sourceLocation: sourceLocation)
            #expect(
                try ScheduleCommandTests.psql("SELECT count(*) FROM \(canary)") == "1", "after \(label)",
                sourceLocation: sourceLocation)
            let tables = try ScheduleCommandTests.psql(
                "SELECT tablename FROM pg_tables WHERE schemaname = '\(schema)' ORDER BY tablename COLLATE \"C\"")
            #expect(
                tables.split(separator: "\n").map(String.init) == (["canary", "sales"] + extra).sorted(),
                "after \(label)", sourceLocation: sourceLocation)
        }

        /// Loads `arguments` (with `{table}` and `{stage}` filled in) and expects a refusal: one line
        /// (argument-parser's error and the usage when `byParser`), the table as it was, and no SQL
        /// but the load's own, never committed (none at all for a usage error, exit 64, which is
        /// found before connecting).
        func expectRefused(
            _ label: String, _ arguments: [String], status: Int32, mentioning text: String,
            byParser: Bool = false, stdin: [UInt8]? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let filled = arguments.map {
                $0.replacingOccurrences(of: "{table}", with: guarded)
                    .replacingOccurrences(of: "{stage}", with: stage).replacingOccurrences(of: "{schema}", with: schema)
            }
            let sent = SentStatements()
            let result = try await CLI.run(filled, stdin: stdin, environment: sent.environment)
            if byParser {
                #expect(status == 64, sourceLocation: sourceLocation)
                BadInputTests.expectUsageError(
                    result, command: arguments[0], mentioning: text, sourceLocation: sourceLocation)
            } else {
                BadInputTests.expectOneLineError(
                    result, status: status, mentioning: text, sourceLocation: sourceLocation)
            }
            try expectIntact(after: label, sourceLocation: sourceLocation)
            try Self.expectNothingCommitted(label, by: sent, usageError: status == 64, sourceLocation: sourceLocation)
        }

        static func expectNothingCommitted(
            _ label: String, by sent: SentStatements, usageError: Bool,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let statements = try sent.expectOnlyOwn(
                label, count: usageError ? 0...0 : 0...1_000, sourceLocation: sourceLocation)
            #expect(!statements.contains("COMMIT"), "\(label): \(statements)", sourceLocation: sourceLocation)
        }
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/frames/malformed")
    }

    /// A file named `name` holding exactly `bytes`, in a fresh folder.
    static func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = try CLI.file(name, "")
        try Data(bytes).write(to: url)
        return url
    }

    @Test("every malformed CSV and JSON Lines file of the corpus: exit 65 naming file, line and column")
    func malformedFiles() async throws {
        let arena = try await Arena()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).sorted()
        #expect(names.count >= 40)
        for name in names {
            let path = Self.fixtures.appendingPathComponent(name).path
            let sent = SentStatements()
            let result = try await CLI.run(
                ["load", path, "--table", arena.guarded, "--stage", arena.stage],
                environment: sent.environment)
            BadInputTests.expectOneLineError(result, status: 65, mentioning: "\(path):")
            // file:line:column, the file named once.
            #expect(
                result.stderr.range(of: #":[0-9]+:[0-9]+: "#, options: .regularExpression) != nil,
                "\(name): \(result.stderr)")
            #expect(result.stderr.components(separatedBy: name).count == 2, "\(name): \(result.stderr)")
            #expect(result.stderr.contains("for \(arena.guarded)"), "\(name): \(result.stderr)")
            try arena.expectIntact(after: name)
            try Arena.expectNothingCommitted(name, by: sent, usageError: false)
        }
    }

    @Test("every hostile Arrow file: exit 65 naming the file and where, from a path and from stdin")
    func hostileArrow() async throws {
        let arena = try await Arena()
        let folder = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("arrow/hostile")
        let expected = [
            "bad_magic_head.arrow": "byte 0: a message declares 1330795073 bytes of metadata",
            "bad_magic_tail.arrow": "the Arrow file does not end with its footer and the magic ARROW1",
            "billion_rows.arrows":
                "record batch 1, byte 488: the batch declares 1000000000 rows, more than a body of 192",
            "buffer_past_body.arrows": "buffer 5 of 4288 bytes at 64 lies past the body of 192 bytes",
            "dictionary_never_sent.arrows": "record batch 1: row 1: dictionary 0 was never sent",
            "metadata_length_max.arrows": "byte 0: a message declares 2147483647 bytes of metadata",
            "offsets_decreasing.arrows": "offset 2 is 2, less than the one before (5)",
            "offsets_past_data.arrows": "offset 5 is 1093, outside the data buffer (93)",
            "truncated_body.arrows": "byte 840: the Arrow input ends inside a message's body (96 of 192 bytes)",
            "truncated_metadata.arrows":
                "byte 620: the Arrow input ends inside a message's metadata (124 of 248 bytes)",
            "vtable_outside.arrows": "the message's metadata is malformed at its byte 65792",
        ]
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == expected.keys.sorted())
        for name in names {
            let path = folder.appendingPathComponent(name).path
            try await arena.expectRefused(
                name, ["load", path, "--table", "{table}", "--stage", "{stage}"], status: 65,
                mentioning: "\(path): ")
            try await arena.expectRefused(
                name, ["load", path, "--table", "{table}", "--stage", "{stage}"], status: 65,
                mentioning: expected[name] ?? "?")
            if name.hasSuffix(".arrows") {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                try await arena.expectRefused(
                    name + " on stdin", ["load", "-", "--format", "arrow", "--table", "{table}", "--stage", "{stage}"],
                    status: 65, mentioning: expected[name] ?? "?", stdin: bytes)
            }
        }
    }

    @Test("bytes no warehouse stores, empty input, wide and broken files: exit 65 before anything changes")
    func unstorableInput() async throws {
        let arena = try await Arena()
        let header = Array("id,sale_date,region,amount\n".utf8)
        let nulCSV = try Self.file("nul.csv", header + Array("4,2024-01-03,e".utf8) + [0] + Array("u,1.00\n".utf8))
        try await arena.expectRefused(
            "NUL in a CSV value", ["load", nulCSV.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "nul.csv:2:3: a value holds a NUL byte")
        let nulJSON = try Self.file("nul.jsonl", Array(#"{"id":4,"region":"e\u0000u"}"#.utf8) + [10])
        try await arena.expectRefused(
            "NUL in a JSON string", ["load", nulJSON.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "nul.jsonl:1:2: a value holds a NUL byte")
        let nulHeader = try Self.file("nul_header.csv", Array("id,re".utf8) + [0] + Array("gion\n1,eu\n".utf8))
        try await arena.expectRefused(
            "NUL in a column name", ["load", nulHeader.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "NUL")
        let empty = try Self.file("empty.csv", [])
        try await arena.expectRefused(
            "an empty file", ["load", empty.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "empty.csv:1: the input is empty")
        try await arena.expectRefused(
            "empty stdin", ["load", "-", "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "the input is empty", stdin: [])
        let names = (0..<5000).map { "c\($0)" }
        let wide = try CLI.file(
            "wide.csv", names.joined(separator: ",") + "\n" + names.map { _ in "1" }.joined(separator: ",") + "\n")
        try await arena.expectRefused(
            "5,000 columns", ["load", wide.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "the data has 5000 columns; a postgres table holds at most 1600")
        let longName = try CLI.file("long_name.csv", "id," + String(repeating: "x", count: 200) + "\n1,2\n")
        try await arena.expectRefused(
            "a 200-byte column name", ["load", longName.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "is 200 bytes long; postgres keeps at most 63")
        let notGzip = try Self.file("sales.csv.gz", header)
        try await arena.expectRefused(
            "a .gz that is not gzip", ["load", notGzip.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "sales.csv.gz: corrupt gzip data")
        let gzipped = try Gzip.compress(header + Array("4,2024-01-03,eu,1.00\n".utf8))
        let cut = try Self.file("cut.csv.gz", Array(gzipped.prefix(gzipped.count - 12)))
        try await arena.expectRefused(
            "a truncated gzip file", ["load", cut.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "cut.csv.gz: truncated gzip data")
        let folder = wide.deletingLastPathComponent().path
        try await arena.expectRefused(
            "a folder as the file", ["load", folder, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "\(folder): is a folder, not a file")
        let mixed = try CLI.file(
            "mixed.csv", "id,sale_date,region,amount\n4,2024-01-03,eu,1.00\n5,not a date,eu,2.00\n")
        try await arena.expectRefused(
            "a value that does not fit the table's type",
            ["load", mixed.path, "--table", "{table}", "--stage", "{stage}"],
            status: 65, mentioning: "sale_date")
    }

    @Test("flag values built to inject SQL or break parsing: refused with the flag named")
    func hostileFlags() async throws {
        let arena = try await Arena()
        let sales = try CLI.file("sales.csv", LoadCommandTests.sales).path
        let load = ["load", sales, "--table", "{table}", "--stage", "{stage}"]
        let drop = "'; DROP TABLE {schema}.canary; --"
        try await arena.expectRefused(
            "an injected date partition", load + ["--partition", "sale_date=2024-01-01\(drop)"],
            status: 65, mentioning: "which is not in partition sale_date=2024-01-01'; DROP TABLE")
        try await arena.expectRefused(
            "an injected text partition", load + ["--partition", "region=eu\(drop)"],
            status: 65, mentioning: "region is 'eu', which is not in partition region=eu'; DROP")
        try await arena.expectRefused(
            "a tautology as a partition", load + ["--partition", "region=eu' OR '1'='1"],
            status: 65, mentioning: "which is not in partition region=eu' OR '1'='1")
        try await arena.expectRefused(
            "a partition on an injected column name",
            load + ["--partition", "region\" = region OR \"1=eu"], status: 65,
            mentioning: "region\" = region OR \"1")
        // The bound goes to the server as a value, which the server refuses as a date.
        try await arena.expectRefused(
            "a partition range with a statement",
            load + ["--partition", "sale_date=2024-01-01..2024-01-02; DELETE FROM {table}"],
            status: 69, mentioning: #"invalid input syntax for type date: "2024-01-02; DELETE FROM"#)
        try await arena.expectRefused(
            "an injected type", load + ["--type", "amount=numeric(10,2); DROP TABLE {schema}.canary"],
            status: 64, mentioning: "unknown type 'numeric(10,2); DROP TABLE", byParser: true)
        try await arena.expectRefused(
            "a merge key that is not a column", load + ["--mode", "merge", "--key", "id; DROP TABLE x"],
            status: 65, mentioning: "the merge key 'id; DROP TABLE x' is not a column of the data")
        try await arena.expectRefused(
            "an unknown mode", load + ["--mode", "replace; DROP TABLE x"], status: 64,
            mentioning: "The value 'replace; DROP TABLE x' is invalid for '--mode <mode>'", byParser: true)
        try await arena.expectRefused(
            "an empty table name", ["load", sales, "--table", "{schema}.", "--stage", "{stage}"],
            status: 64, mentioning: "table name is empty", byParser: true)
        try await arena.expectRefused(
            "a 200-byte table name",
            ["load", sales, "--table", "{schema}." + String(repeating: "t", count: 200), "--stage", "{stage}"],
            status: 64, mentioning: "is 200 bytes; postgres keeps at most 63")
        try await arena.expectRefused(
            "a warehouse URL with a statement",
            load + ["--warehouse", "postgres://127.0.0.1:1/x'; DROP TABLE canary; --"],
            status: 69, mentioning: "port 1 failed")
        try await arena.expectRefused(
            "a stage that is not a URL", ["load", sales, "--table", "{table}", "--stage", "'; DROP TABLE x; --"],
            status: 64,
            mentioning: "--stage ''; DROP TABLE x; --' is neither s3://bucket/prefix, file:///folder nor a stage")
    }

    @Test("legal names and values that look like SQL are kept literally: quotes, semicolons, --, unicode, \\N and \\.")
    func keptLiterally() async throws {
        let arena = try await Arena()
        // Column names: a quote, a statement, a comment, unicode, and a 63-byte name (the longest kept).
        let columns = [
            "id", "a\"b", "x; DROP TABLE \(arena.canary); --", "-- note", "prix €", "名前😀",
            String(repeating: "n", count: 63),
        ]
        let header = columns.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(
            separator: ",")
        // Values: \N (Redshift's NULL), \. (PostgreSQL's end of data), quotes and a statement.
        let values = ["1", #"\N"#, #"\."#, "'); DROP TABLE \(arena.canary); --", "\"quoted\"", "é", "--"]
        let row = values.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
        let file = try CLI.file("names.csv", header + "\n" + row + "\n")
        // The table's name has no dot: `schema.table` splits at the dot.
        let created = "odd\"; DROP TABLE canary; --"
        let sent = SentStatements()
        let result = try await CLI.run(
            ["load", file.path, "--table", "\(arena.schema).\(created)", "--stage", arena.stage, "--quiet"],
            environment: sent.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let quotedTable = "\"\(arena.schema)\".\"\(created.replacingOccurrences(of: "\"", with: "\"\""))\""
        // Every statement is the load's own, and the names went into them quoted, whole.
        let statements = try sent.expectOnlyOwn("odd names", count: 5...1_000)
        let creation = statements.first { $0.hasPrefix("CREATE TABLE IF NOT EXISTS \(quotedTable) (") } ?? ""
        for column in columns {
            #expect(
                creation.contains("\"\(column.replacingOccurrences(of: "\"", with: "\"\""))\" "),
                "\(column): \(creation)")
        }
        // The transaction commits; only the report's read of the table's columns follows it.
        #expect(statements.dropLast().last == "COMMIT")
        #expect(statements.last?.contains("FROM information_schema.columns") == true)
        let names = try ScheduleCommandTests.psql(
            "SELECT string_agg(column_name, E'\\n' ORDER BY ordinal_position) FROM information_schema.columns "
                + "WHERE table_schema = '\(arena.schema)' AND table_name = '\(created.replacingOccurrences(of: "'", with: "''"))'"
        )
        #expect(names.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) == columns)
        let stored = try ScheduleCommandTests.psql(
            "SELECT concat_ws(E'\\x1f', "
                + columns.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"::text" }
                .joined(separator: ", ") + ") FROM \(quotedTable)")
        #expect(stored.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init) == values)
        try arena.expectIntact(after: "odd names", extra: [created])

        // A partition value with a quote and a statement, loaded into its own partition: the DELETE
        // binds it as a value, so only that partition is replaced and the other rows stay.
        let key = "eu'; DELETE FROM \(arena.guarded); --"
        let partitioned = try CLI.file("partitioned.csv", "id,region\n1,\"\(key)\"\n2,\"\(key)\"\n")
        let other = try CLI.file("other.csv", "id,region\n3,us\n")
        let target = "\(arena.schema).regions"
        for (path, partition) in [
            (other.path, "region=us"), (partitioned.path, "region=\(key)"), (partitioned.path, "region=\(key)"),
        ] {
            let sent = SentStatements()
            let load = try await CLI.run(
                ["load", path, "--table", target, "--stage", arena.stage, "--partition", partition, "--quiet"],
                environment: sent.environment)
            #expect(load.status == 0, "\(load.stderr)")
            // The value went as a bind parameter: no statement holds it.
            let statements = try sent.expectOnlyOwn(partition, count: 5...1_000)
            #expect(statements.contains { $0.hasPrefix("DELETE FROM ") }, "\(statements)")
            #expect(
                !statements.contains { $0.contains("DELETE FROM \(arena.guarded)") || $0.contains("eu'") },
                "\(statements)")
        }
        #expect(
            try ScheduleCommandTests.psql("SELECT id || '|' || region FROM \(target) ORDER BY id")
                == "1|\(key)\n2|\(key)\n3|us")
        try arena.expectIntact(after: "an injected partition value", extra: [created, "regions"])

        // A file whose name is a statement.
        let named = try CLI.file("x'; DROP TABLE canary; --.csv", "id\n7\n")
        let sentNamed = SentStatements()
        let load = try await CLI.run(
            ["load", named.path, "--table", "\(arena.schema).named", "--stage", arena.stage, "--quiet"],
            environment: sentNamed.environment)
        #expect(load.status == 0, "\(load.stderr)")
        try sentNamed.expectOnlyOwn("a file named like a statement", count: 5...1_000)
        #expect(try ScheduleCommandTests.psql("SELECT id FROM \(arena.schema).named") == "7")
        try arena.expectIntact(after: "a file named like a statement", extra: [created, "named", "regions"])
    }

    @Test("a 100 MB field loads whole, in bounded memory")
    func hundredMegabyteField() async throws {
        let arena = try await Arena()
        let size = 100_000_000
        var bytes = Array("id,note\n1,".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: size)
        bytes += Array("\n".utf8)
        let file = try Self.file("wide_field.csv", bytes)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await CLI.run([
            "load", file.path, "--table", "\(arena.schema).notes", "--stage", arena.stage, "--quiet",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            try ScheduleCommandTests.psql(
                "SELECT length(note) || ' ' || (note = repeat('a', \(size))) FROM \(arena.schema).notes")
                == "\(size) true")
        // A merge copies the complete stage (the sequential path): the field's row is too long to
        // carry from piece to piece as binary, so it goes as CSV, whole.
        let merged = try await CLI.run([
            "load", file.path, "--table", "\(arena.schema).notes", "--stage", arena.stage, "--mode", "merge",
            "--key", "id", "--json",
        ])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("\"copy\":\"sequential\"") && merged.stdout.contains("\"rowsCopiedInBinary\":0"))
        #expect(
            try ScheduleCommandTests.psql(
                "SELECT count(*) || ' ' || length(note) || ' ' || (note = repeat('a', \(size))) FROM \(arena.schema).notes GROUP BY note"
            )
                == "1 \(size) true")
        try arena.expectIntact(after: "a 100 MB field", extra: ["notes"])
    }
}
