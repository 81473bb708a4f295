import Foundation
import Testing

@Suite("stevedore load, unload, status and check against the live services", .timeLimit(.minutes(5)))
struct LoadCommandTests {
    static let sales = "id,sale_date,region,amount\n1,2024-01-01,eu,10.50\n2,2024-01-01,us,\n3,2024-01-02,eu,7.25\n"

    @Test("load a CSV file through S3 with --json, then read it back with unload")
    func loadCSV() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "s3://\(CLI.bucket)/cli-tests"
        let file = try CLI.file("sales.csv", Self.sales)
        let result = try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["rows"] as? Int == 3)
        #expect(report["table"] as? String == table)
        #expect(report["mode"] as? String == "replace")
        #expect((report["stagePrefix"] as? String)?.hasPrefix("s3://\(CLI.bucket)/cli-tests/") == true)
        #expect((report["loadID"] as? String)?.isEmpty == false)
        // PostgreSQL pipelines the copy with staging.
        #expect(
            (report["phases"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                "stage+copy", "commit", "cleanup",
            ])
        #expect(
            try await CLI.rows(table, stage: stage) == [
                "1,2024-01-01,eu,10.50", "2,2024-01-01,us,", "3,2024-01-02,eu,7.25",
            ])
    }

    @Test("load a partition from stdin and JSON Lines; status lists both")
    func stdinAndJSONLines() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-stage-\(schema)"
        let first = try await CLI.run(
            [
                "load", "-", "--table", "\(schema).sales", "--stage", stage, "--partition", "sale_date=2024-01-01",
                "--quiet",
            ], stdin: Array("id,sale_date\n1,2024-01-01\n2,2024-01-01\n".utf8))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        let jsonl = try CLI.file(
            "events.jsonl", "{\"id\": 1, \"kind\": \"a\", \"tags\": [1, 2]}\n{\"id\": 2, \"score\": 9.5}\n")
        let second = try await CLI.run(["load", jsonl.path, "--table", "\(schema).events", "--stage", stage])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("loaded 2 rows into \(schema).events (replace), 1 part"))
        #expect(try await CLI.rows("\(schema).events", stage: stage) == [#"1,a,"[1, 2]","#, "2,,,9.5"])

        // Each table's status on its own: without --table, status lists the newest 100 loads of every
        // table, which the suites loading in parallel can push these out of.
        var mine: [[String: Any]] = []
        for table in ["\(schema).sales", "\(schema).events"] {
            let status = try await CLI.run(["status", "--table", table, "--stage", stage, "--json"])
            #expect(status.status == 0)
            mine += try #require(
                (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["loads"]
                    as? [[String: Any]])
        }
        #expect(mine.compactMap { $0["table"] as? String } == ["\(schema).sales", "\(schema).events"])
        #expect(
            mine.first { $0["table"] as? String == "\(schema).sales" }?["partition"] as? String
                == "sale_date=2024-01-01")
    }

    @Test("a time window and a set of values as partitions; --json reports the table's column types")
    func windowAndSetPartitions() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-window-stage"
        let file = try CLI.file("sales.csv", Self.sales)
        #expect(try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--quiet"]).status == 0)
        // 2024-01-01 in New York: the bounds' offsets do not shift a date column's days.
        let day = "sale_date=[2024-01-01T00:00:00-05:00,2024-01-02T00:00:00-05:00)"
        let newDay = try CLI.file("day.csv", "id,sale_date,region,amount\n4,2024-01-01,eu,1.25\n")
        let window = try await CLI.run([
            "load", newDay.path, "--table", table, "--stage", stage, "--partition", day, "--json",
        ])
        #expect(window.status == 0, "\(window.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(window.stdout.utf8)) as? [String: Any])
        #expect(report["partition"] as? String == day)
        let columns = try #require(report["columns"] as? [[String: String]])
        #expect(columns.map { $0["name"] ?? "" } == ["id", "sale_date", "region", "amount"])
        #expect(columns.map { $0["type"] ?? "" } == ["bigint", "date", "text", "numeric"])
        #expect(try await CLI.rows(table, stage: stage) == ["3,2024-01-02,eu,7.25", "4,2024-01-01,eu,1.25"])

        // Two values of one dimension: both regions of the day are replaced, and read back.
        let regions = try CLI.file("regions.csv", "id,sale_date,region,amount\n5,2024-01-02,us,2.00\n")
        let set = try await CLI.run([
            "load", regions.path, "--table", table, "--stage", stage, "--partition", "region=eu",
            "--partition", "region=us", "--quiet",
        ])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try await CLI.rows(table, stage: stage) == ["5,2024-01-02,us,2.00"])
        let back = try await CLI.run([
            "unload", "--table", table, "--stage", stage, "--partition", "region=us", "--partition", "region=uk",
            "--columns", "id",
        ])
        #expect(back.stdout == "5\n")
        let outside = try await CLI.run([
            "load", file.path, "--table", table, "--stage", stage, "--partition", "region=us",
            "--partition", "region=uk",
        ])
        #expect(outside.status == 65)
        #expect(outside.stderr.contains("sales.csv:2: region is 'eu', which is not in partition region={us,uk}"))
        #expect(try await CLI.rows(table, stage: stage) == ["5,2024-01-02,us,2.00"])
    }

    @Test("unload to a file and to an S3 prefix")
    func unloadTargets() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "s3://\(CLI.bucket)/cli-tests"
        let file = try CLI.file("sales.csv", Self.sales)
        #expect(try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--quiet"]).status == 0)
        let out = file.deletingLastPathComponent().appendingPathComponent("back.csv")
        let toFile = try await CLI.run([
            "unload", "--table", table, "--stage", stage, "--partition", "sale_date=2024-01-01",
            "--columns", "amount,id", "--to", out.path,
        ])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(toFile.stderr == "wrote 2 rows (amount,id) of \(table) to \(out.path)\n")
        #expect(Set(try String(contentsOf: out, encoding: .utf8).split(separator: "\n")) == ["10.50,1", ",2"])
        let json = try await CLI.run(["unload", "--table", table, "--stage", stage, "--to", out.path, "--json"])
        let written = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(written["rows"] as? Int == 3)
        #expect(written["columns"] as? [String] == ["id", "sale_date", "region", "amount"])
        let toS3 = try await CLI.run([
            "unload", "--table", table, "--stage", stage, "--to", "s3://\(CLI.bucket)/cli-exports/\(table)",
            "--json",
        ])
        #expect(toS3.status == 0, "\(toS3.stderr)")
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(toS3.stdout.utf8)) as? [String: Any])
        #expect(exported["rows"] as? Int == 3)
        #expect(exported["manifest"] as? String == "cli-exports/\(table)/manifest.json")
    }

    @Test("check says ok for the test services")
    func check() async throws {
        try CLI.requireServices()
        let result = try await CLI.run(["check", "--stage", "s3://\(CLI.bucket)/cli-tests"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok   warehouse:"))
        #expect(result.stdout.contains("ok   stage: s3://\(CLI.bucket): wrote, read back and deleted"))
    }
}

@Suite("stevedore with bad input: one line, a documented exit code, no change", .timeLimit(.minutes(5)))
struct BadInputTests {
    /// A table with known content, and a check that it still has it.
    struct Guarded {
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-guard-stage"

        init() async throws {
            try CLI.requireServices()
            let file = try CLI.file("sales.csv", LoadCommandTests.sales)
            let result = try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
        }

        func expectUnchanged() async throws {
            #expect(
                try await CLI.rows(table, stage: stage) == [
                    "1,2024-01-01,eu,10.50", "2,2024-01-01,us,", "3,2024-01-02,eu,7.25",
                ])
        }
    }

    static func expectOneLineError(
        _ result: CLI.Result, status: Int32, mentioning text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("stevedore: "), sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count <= 2, sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    /// A flag argument-parser refused (in parsing or a command's `validate()`): its `Error:` line
    /// naming the flag, the command's usage, exit 64, nothing on stdout.
    static func expectUsageError(
        _ result: CLI.Result, command: String, mentioning text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 64, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(
            result.stderr.split(separator: "\n").first?.contains(text) == true, "\(result.stderr)",
            sourceLocation: sourceLocation)
        #expect(
            result.stderr.contains("Usage: stevedore \(command) "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("flag combinations are refused by validate(), before any file, configuration or server is read")
    func refusedCombinations() async throws {
        // Nothing listens on port 1: a command that got past validation would fail with 69, not 64.
        let nowhere = ["PGHOST": "127.0.0.1", "PGPORT": "1", "STEVEDORE_WAREHOUSE": ""]
        let cases: [([String], String, String)] = [
            (
                ["load", "missing.csv", "--table", "s.t", "--mode", "partition"], "load",
                "--mode partition needs --partition"
            ),
            (
                ["plan", "missing.csv", "--table", "s.t", "--mode", "merge"], "plan",
                "--mode merge needs at least one --key"
            ),
            (
                ["load", "missing.csv", "--table", "s.t", "--partition-expr", "d=1"], "load",
                "--partition-expr needs a --partition"
            ),
            (
                ["unload", "--table", "s.t", "--format", "jsonl", "--to", "s3://b/p"], "unload",
                "--format jsonl writes to a file or stdout"
            ),
            (
                ["backfill", "j", "--from", "a", "--to", "b", "--parallel", "0", "--config", "missing.yml"], "backfill",
                "--parallel must be at least 1"
            ),
            (
                ["schedule", "run", "--grace", "soon", "--config", "missing.yml"], "schedule run",
                "--grace soon: expected a duration"
            ),
            (
                ["schedule", "run", "--concurrency", "0", "--config", "missing.yml"], "schedule run",
                "--concurrency must be at least 1"
            ),
        ]
        for (arguments, command, text) in cases {
            let result = try await CLI.run(arguments, environment: nowhere)
            Self.expectUsageError(result, command: command, mentioning: text)
        }
    }

    @Test("--dist-key, --dist-style and --sort-key: combinations refused by validate(), exit 64")
    func tableDesignFlags() async throws {
        let nowhere = ["PGHOST": "127.0.0.1", "PGPORT": "1", "STEVEDORE_WAREHOUSE": ""]
        let cases: [([String], String, String)] = [
            (["--dist-style", "diagonal"], "load", "--dist-style 'diagonal' is not one of auto, even, key, all"),
            (["--dist-style", "key"], "plan", "the distribution style key (--dist-style) needs a distribution key"),
            (["--dist-style", "even", "--dist-key", "id"], "load", "needs the distribution style key, not even"),
            (["--sort-key", "day", "--sort-key", "day"], "plan", "the sort key names the column 'day' twice"),
        ]
        for (flags, command, text) in cases {
            let result = try await CLI.run([command, "missing.csv", "--table", "s.t"] + flags, environment: nowhere)
            Self.expectUsageError(result, command: command, mentioning: text)
        }
    }

    @Test("--dist-key, --dist-style and --sort-key on PostgreSQL: Redshift's, exit 64, nothing changed")
    func tableDesignOnPostgres() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        for (command, flags) in [
            ("load", ["--sort-key", "sale_date"]), ("plan", ["--dist-key", "id"]), ("load", ["--dist-style", "auto"]),
        ] {
            let result = try await CLI.run(
                [command, file.path, "--table", guarded.table, "--stage", guarded.stage] + flags)
            Self.expectOneLineError(result, status: 64, mentioning: "are Redshift's: a postgres table has none")
        }
        try await guarded.expectUnchanged()
    }

    @Test("a malformed CSV names file and line, exit 65")
    func malformedCSV() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("bad.csv", "id,sale_date,region,amount\n4,2024-01-03,\"eu,1\n")
        let result = try await CLI.run(["load", file.path, "--table", guarded.table, "--stage", guarded.stage])
        Self.expectOneLineError(result, status: 65, mentioning: "bad.csv:2")
        try await guarded.expectUnchanged()
    }

    @Test("a missing file, exit 65")
    func missingFile() async throws {
        let guarded = try await Guarded()
        let result = try await CLI.run([
            "load", "/nonexistent/sales.csv", "--table", guarded.table, "--stage", guarded.stage,
        ])
        Self.expectOneLineError(result, status: 65, mentioning: "no file /nonexistent/sales.csv")
        try await guarded.expectUnchanged()
    }

    @Test("an unknown type name, exit 64")
    func unknownType() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let result = try await CLI.run([
            "load", file.path, "--table", guarded.table, "--stage", guarded.stage, "--type", "amount=money",
        ])
        Self.expectUsageError(result, command: "load", mentioning: "unknown type 'money'")
        try await guarded.expectUnchanged()
    }

    @Test("a malformed --partition, exit 64")
    func malformedPartition() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        for partition in [
            "sale_date", "=2024-01-01", "sale_date=2024-01-01..", "sale_date=[2024-01-01)", "sale_date=[,2024-01-02)",
        ] {
            let result = try await CLI.run([
                "load", file.path, "--table", guarded.table, "--stage", guarded.stage,
                "--partition", partition,
            ])
            Self.expectUsageError(result, command: "load", mentioning: "--partition")
        }
        let rangeTwice = try await CLI.run([
            "load", file.path, "--table", guarded.table, "--stage", guarded.stage,
            "--partition", "sale_date=2024-01-01", "--partition", "sale_date=2024-01-01..2024-01-02",
        ])
        Self.expectUsageError(rangeTwice, command: "load", mentioning: "single values only")
        try await guarded.expectUnchanged()
    }

    @Test("rows outside the partition, exit 65, naming file, line and value")
    func rowOutsidePartition() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let result = try await CLI.run([
            "load", file.path, "--table", guarded.table, "--stage", guarded.stage,
            "--partition", "sale_date=2024-01-01",
        ])
        #expect(result.status == 65)
        #expect(result.stderr.contains("sales.csv:4: sale_date is '2024-01-02'"))
        try await guarded.expectUnchanged()
    }

    @Test("an unreachable warehouse, exit 69")
    func unreachableWarehouse() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let result = try await CLI.run([
            "load", file.path, "--table", guarded.table, "--stage", guarded.stage,
            "--warehouse", "postgres://nobody@127.0.0.1:1/none",
        ])
        Self.expectOneLineError(result, status: 69, mentioning: "port 1 failed: Connection refused")
        try await guarded.expectUnchanged()
    }

    @Test("a wrong S3 secret, exit 74, never printing the secret")
    func wrongSecret() async throws {
        let guarded = try await Guarded()
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let secret = "not-the-secret-\(UInt32.random(in: 0...UInt32.max))"
        let result = try await CLI.run(
            ["load", file.path, "--table", guarded.table, "--stage", "s3://\(CLI.bucket)/cli-tests"],
            environment: ["AWS_SECRET_ACCESS_KEY": secret])
        Self.expectOneLineError(result, status: 74, mentioning: "SignatureDoesNotMatch")
        #expect(!result.stderr.contains(secret))
        try await guarded.expectUnchanged()
    }

    @Test("an unload to a stage that refuses the upload, exit 74 with the S3 error")
    func unloadToRefusingStage() async throws {
        let guarded = try await Guarded()
        let result = try await CLI.run([
            "unload", "--table", guarded.table, "--stage", guarded.stage,
            "--to", "s3://stevedore-no-such-bucket-\(UInt32.random(in: 0...UInt32.max))/exports",
        ])
        Self.expectOneLineError(result, status: 74, mentioning: "NoSuchBucket")
        try await guarded.expectUnchanged()
    }
}

@Suite("stevedore plan", .timeLimit(.minutes(5)))
struct PlanCommandTests {
    @Test("plan shows the inferred columns and the SQL, and changes nothing")
    func plan() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "s3://\(CLI.bucket)/cli-tests"
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let result = try await CLI.run([
            "plan", file.path, "--table", table, "--stage", stage, "--partition", "sale_date=2024-01-01..2024-01-02",
            "--type", "id=bigint", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(plan["rows"] as? Int == 3)
        #expect(plan["mode"] as? String == "partition")
        let columns = (plan["columns"] as? [[String: String]])?.map { "\($0["name"] ?? "") \($0["type"] ?? "")" }
        #expect(columns == ["id bigint", "sale_date date", "region text", "amount numeric"])
        let statements = try #require(plan["statements"] as? [String])
        #expect(statements.contains { $0.hasPrefix("CREATE TABLE IF NOT EXISTS") })
        #expect(
            statements.contains {
                $0.contains(#"DELETE FROM"#)
                    && $0.contains(#""sale_date" >= CAST($1 AS date) AND "sale_date" <= CAST($2 AS date)"#)
            })
        // Nothing was created: unloading the table fails, and the dry run of load says the same as plan.
        let unload = try await CLI.run(["unload", "--table", table, "--stage", stage])
        #expect(unload.status == 64)
        #expect(unload.stderr.contains("the table does not exist"))
        let dryRun = try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--dry-run"])
        #expect(dryRun.status == 0)
        #expect(dryRun.stdout.hasPrefix("3 rows for \(table) (replace)\ncolumns:\n  id         bigint"))
    }
}

@Suite("stevedore load progress", .timeLimit(.minutes(5)))
struct ProgressTests {
    @Test("--progress always draws phases on stderr; auto draws nothing when stderr is not a terminal")
    func progress() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-progress-stage"
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let always = try await CLI.run([
            "load", file.path, "--table", table, "--stage", stage, "--progress", "always", "--quiet",
        ])
        #expect(always.status == 0)
        for phase in ["stage+copy", "commit", "cleanup"] {
            #expect(always.stderr.contains("\u{1B}[K\(phase)  "), "no \(phase) in \(always.stderr.debugDescription)")
        }
        #expect(always.stderr.contains("3 rows"))
        #expect(always.stderr.hasSuffix("\r\u{1B}[K"))
        let auto = try await CLI.run(["load", file.path, "--table", table, "--stage", stage])
        #expect(auto.status == 0)
        #expect(auto.stderr.isEmpty)
    }
}

@Suite("stevedore unload --format jsonl", .timeLimit(.minutes(5)))
struct UnloadJSONLinesTests {
    @Test("rows come out as JSON objects with typed values")
    func jsonl() async throws {
        try CLI.requireServices()
        let table = "\(CLI.uniqueSchema()).sales"
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-jsonl-stage"
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        #expect(try await CLI.run(["load", file.path, "--table", table, "--stage", stage, "--quiet"]).status == 0)
        let result = try await CLI.run([
            "unload", "--table", table, "--stage", stage, "--format", "jsonl",
            "--partition", "sale_date=2024-01-01",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init).sorted()
        #expect(
            lines == [
                #"{"id":1,"sale_date":"2024-01-01","region":"eu","amount":10.5}"#,
                #"{"id":2,"sale_date":"2024-01-01","region":"us","amount":null}"#,
            ])
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil)
        }
    }
}
