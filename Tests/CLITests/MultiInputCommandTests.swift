import Foundation
import Frames
import ObjectStore
import Testing

/// `stevedore load` of several files, globs and S3 object globs: one load, one transaction, one
/// ledger row, and a bad row anywhere fails it all, naming its own file and line.
@Suite("stevedore load: several files, globs and object globs", .timeLimit(.minutes(5)))
struct MultiInputCommandTests {
    static let header = "id,day,amount\n"
    /// Three exports of one day, as a glob finds them; the second gzipped.
    static let parts: [(name: String, text: String)] = [
        ("a.csv", header + "1,2024-03-01,1.50\n2,2024-03-01,2.50\n"),
        ("b.csv.gz", header + "3,2024-03-01,3.50\n"),
        ("c.csv", header + "4,2024-03-01,4.50\n5,2024-03-01,\n"),
    ]
    static let loaded = [
        "1,2024-03-01,1.50", "2,2024-03-01,2.50", "3,2024-03-01,3.50", "4,2024-03-01,4.50", "5,2024-03-01,",
    ]

    static func bytes(_ name: String, _ text: String) throws -> [UInt8] {
        guard name.hasSuffix(".gz") else { return Array(text.utf8) }
        let writer = try GzipWriter(level: 6)
        try writer.write(Array(text.utf8))
        _ = try writer.finish()
        return writer.drain()
    }

    /// A folder `exports/2024-03-01/` holding `files`, and the folder above it.
    static func folder(_ files: [(name: String, text: String)]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-multi-\(UUID().uuidString)")
        let day = root.appendingPathComponent("exports/2024-03-01")
        try FileManager.default.createDirectory(at: day, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(try bytes(name, text)).write(to: day.appendingPathComponent(name))
        }
        return root
    }

    /// The ledger's rows for `table` (`schema.table`): row counts, one per committed load.
    static func ledgerRows(_ table: String, stage: String) async throws -> [String] {
        let parts = table.split(separator: ".")
        let result = try await CLI.run([
            "unload", "--table", "stevedore.load_history", "--stage", stage,
            "--columns", "table_schema,table_name,row_count,partition_key",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("\(parts[0]),\(parts[1]),")
        }
    }

    @Test("a quoted glob of three files is one load: the table has every row, the ledger one row")
    func glob() async throws {
        try CLI.requireServices()
        let root = try Self.folder(Self.parts)
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(root.path)/stage"
        let result = try await CLI.run([
            "load", root.path + "/exports/2024-03-01/*.csv*", "--table", table, "--stage", stage,
            "--partition", "day=2024-03-01", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["rows"] as? Int == 5)
        #expect(try await CLI.rows(table, stage: stage) == Self.loaded)
        #expect(
            try await Self.ledgerRows(table, stage: stage) == [
                "\(table.replacingOccurrences(of: ".", with: ",")),5,day=2024-03-01"
            ])
    }

    @Test("a list the shell expanded loads the same; plan reads every file")
    func shellExpanded() async throws {
        try CLI.requireServices()
        let root = try Self.folder(Self.parts)
        let day = root.path + "/exports/2024-03-01/"
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(root.path)/stage"
        let result = try await CLI.run(
            ["load"] + Self.parts.map { day + $0.name } + ["--table", table, "--stage", stage, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await CLI.rows(table, stage: stage) == Self.loaded)
        let plan = try await CLI.run(["plan", day + "a.csv", day + "c.csv", "--table", table, "--stage", stage])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("4 rows for \(table)"), "\(plan.stdout)")
    }

    @Test("a bad row in the third file fails the whole load, naming that file and line; nothing changes")
    func badRowInThirdFile() async throws {
        try CLI.requireServices()
        var parts = Self.parts
        parts[2].text = Self.header + "4,2024-03-01,4.50\n5,2024-03-01,1,extra\n"
        let root = try Self.folder(parts)
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(root.path)/stage"
        let good = try CLI.file("good.csv", Self.header + "9,2024-03-01,9.00\n")
        #expect(try await CLI.run(["load", good.path, "--table", table, "--stage", stage, "--quiet"]).status == 0)
        let result = try await CLI.run([
            "load", root.path + "/exports/2024-03-01/*", "--table", table, "--stage", stage,
        ])
        BadInputTests.expectOneLineError(
            result, status: 65, mentioning: "\(root.path)/exports/2024-03-01/c.csv:3:4: row has more than 3 fields")
        #expect(try await CLI.rows(table, stage: stage) == ["9,2024-03-01,9.00"])
        #expect(try await Self.ledgerRows(table, stage: stage).count == 1)
    }

    @Test("a file whose header differs is an error naming it and both headers")
    func headerDiffers() async throws {
        try CLI.requireServices()
        var parts = Self.parts
        parts[1].text = "id,amount,day\n3,3.50,2024-03-01\n"
        let root = try Self.folder(parts)
        let day = root.path + "/exports/2024-03-01/"
        let result = try await CLI.run([
            "load", day + "*.csv*", "--table", "\(CLI.uniqueSchema()).sales", "--stage", "file://\(root.path)/stage",
        ])
        BadInputTests.expectOneLineError(
            result, status: 65,
            mentioning: "\(day)b.csv.gz:1: the header (id,amount,day) differs from that of \(day)a.csv (id,day,amount)")
    }

    @Test("a glob that matches nothing, stdin among files, CSV with JSON Lines: refused before anything is read")
    func refused() async throws {
        try CLI.requireServices()
        let root = try Self.folder(Self.parts)
        let none = try await CLI.run([
            "load", root.path + "/exports/*/none-*.csv", "--table", "s.t", "--stage", "file://\(root.path)/stage",
        ])
        BadInputTests.expectOneLineError(
            none, status: 65, mentioning: "no file matches \(root.path)/exports/*/none-*.csv")
        let mixed = try await CLI.run(["load", "-", root.path + "/exports/2024-03-01/a.csv", "--table", "s.t"])
        BadInputTests.expectUsageError(
            mixed, command: "load", mentioning: "- (stdin) cannot be loaded with other files")
        let jsonl = try CLI.file("events.jsonl", "{\"id\": 1}\n")
        let formats = try await CLI.run([
            "load", jsonl.path, root.path + "/exports/2024-03-01/a.csv", "--table", "s.t",
            "--stage", "file://\(root.path)/stage",
        ])
        BadInputTests.expectOneLineError(formats, status: 64, mentioning: "the inputs mix CSV and JSON Lines")
        let dialect = try await CLI.run([
            "load", jsonl.path, "--encoding", "latin-1", "--table", "s.t", "--stage", "file://\(root.path)/stage",
        ])
        BadInputTests.expectOneLineError(
            dialect, status: 64, mentioning: "events.jsonl is JSON Lines: the CSV dialect options do not apply to it")
    }

    @Test("an S3 object glob is one load streamed from the bucket; a bad row in its third object fails it all")
    func objectGlob() async throws {
        try CLI.requireServices()
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: CLI.bucket))
        let prefix = "cli-objects-\(UInt32.random(in: 0...UInt32.max))"
        for (name, text) in Self.parts {
            let key = "\(prefix)/2024-03-01/\(name.hasSuffix(".gz") ? name : name + ".gz")"
            _ = try await store.put(key, body: .bytes(try Self.bytes(key, text)))
        }
        _ = try await store.put("\(prefix)/2024-03-01/_SUCCESS", body: .bytes([]))
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "s3://\(CLI.bucket)/cli-tests"
        let url = "s3://\(CLI.bucket)/\(prefix)/2024-03-01/*.csv.gz"
        let result = try await CLI.run(["load", url, "--table", table, "--stage", stage, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await CLI.rows(table, stage: stage) == Self.loaded)
        #expect(try await Self.ledgerRows(table, stage: stage).map { $0.split(separator: ",")[2] } == ["5"])

        let bad = "\(prefix)/2024-03-01/c.csv.gz"
        _ = try await store.put(
            bad, body: .bytes(try Self.bytes(bad, Self.header + "6,2024-03-01,6\n7,2024-03-01,x,y\n")))
        let failed = try await CLI.run(["load", url, "--table", table, "--stage", stage])
        BadInputTests.expectOneLineError(
            failed, status: 65, mentioning: "s3://\(CLI.bucket)/\(bad):3:4: row has more than 3 fields")
        #expect(try await CLI.rows(table, stage: stage) == Self.loaded)
        #expect(try await Self.ledgerRows(table, stage: stage).count == 1)
        _ = try await store.deleteMany(try await store.listKeys(prefix: prefix + "/"))
    }
}
