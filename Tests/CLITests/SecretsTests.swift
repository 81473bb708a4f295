import Foundation
import Frames
import ObjectStore
import Testing

/// Issue 9's secrets check. The test services hand out distinctive credentials (a generated
/// PostgreSQL password, and S3 keys with a session token from an assumed role), so every test runs
/// with them. This suite drives the CLI through successes and failures with `--verbose` and `--json`,
/// then searches everything a user or an operator could see for them: every stdout and stderr line,
/// the ledger and attempts rows, and every byte of the staged objects, gunzipped.
@Suite("Secrets never leave: output, logs, errors, ledger and staged objects", .serialized, .timeLimit(.minutes(5)))
struct SecretsTests {
    /// The credentials of this run, each long and random enough that a match is no accident.
    static func secrets() throws -> [String: String] {
        let environment = CLI.environment
        var found: [String: String] = [:]
        for name in ["PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            let value = try #require(environment[name], "\(name) is not set: run the suite through scripts/test")
            #expect(value.count >= 24, "\(name) is too short to be distinctive")
            found[name] = value
        }
        return found
    }

    /// Every place `text` holds one of `secrets` (also its first 16 characters, which would catch a
    /// cut-off or wrapped copy), as "what it is in where".
    static func leaks(in text: String, _ place: String, _ secrets: [String: String]) -> [String] {
        secrets.compactMap { name, value in
            text.contains(value) || text.contains(String(value.prefix(16))) ? "\(name) in \(place)" : nil
        }
    }

    @Test("a day of CLI use, good and bad, shows no credential anywhere")
    func noCredentialAnywhere() async throws {
        try CLI.requireServices()
        let secrets = try Self.secrets()
        let schema = CLI.uniqueSchema()
        let table = "\(schema).sales"
        let prefix = "secrets-\(UUID().uuidString.prefix(8))"
        let stage = "s3://\(CLI.bucket)/\(prefix)"
        let env = CLI.environment
        let host = env["PGHOST"] ?? "127.0.0.1"
        let port = env["PGPORT"] ?? "5432"
        let database = env["PGDATABASE"] ?? ""
        let user = env["PGUSER"] ?? ""
        let password = secrets["PGPASSWORD"] ?? ""
        // The password spelt out in the warehouse URL, as a user might.
        let warehouse = "postgres://\(user):\(password)@\(host):\(port)/\(database)"
        let sales = try CLI.file("sales.csv", LoadCommandTests.sales).path
        let bad = try CLI.file("bad.csv", "id,sale_date,region,amount\n4,2024-01-03,\"eu\n").path
        let config = try CLI.file(
            "stevedore.yml",
            """
            warehouses:
              test: postgres://\(user):${PGPASSWORD}@\(host):\(port)/\(database)
            stages:
              lake: \(stage)
            defaults:
              warehouse: test
              stage: lake
            jobs:
              daily:
                table: \(schema).daily
                partitions: {daily: 2024-01-01, end: 2024-01-02, column: day}
                source:
                  command: "printf 'day,n\\\\n{date},1\\\\n'"
            """)

        let runs: [(String, [String])] = [
            (
                "load --json --verbose",
                [
                    "load", sales, "--table", table, "--stage", stage, "--warehouse", warehouse,
                    "--keep-stage", "--json", "--verbose",
                ]
            ),
            (
                "load partition",
                [
                    "load", sales, "--table", table, "--stage", stage, "--warehouse", warehouse,
                    "--partition", "sale_date=2024-01-01..2024-01-02", "--mode", "partition", "--keep-stage",
                    "--verbose",
                ]
            ),
            (
                "malformed load",
                ["load", bad, "--table", table, "--stage", stage, "--warehouse", warehouse, "--verbose"]
            ),
            (
                "type conflict",
                [
                    "load", sales, "--table", table, "--stage", stage, "--warehouse", warehouse, "--verbose",
                    "--type", "amount=boolean",
                ]
            ),
            (
                "no such bucket",
                [
                    "load", sales, "--table", table, "--stage", "s3://no-such-bucket-\(prefix)/x",
                    "--warehouse", warehouse, "--verbose",
                ]
            ),
            (
                "unreachable warehouse",
                [
                    "load", sales, "--table", table, "--stage", stage, "--verbose",
                    "--warehouse", "postgres://\(user):\(password)@127.0.0.1:1/\(database)",
                ]
            ),
            (
                "wrong password",
                [
                    "load", sales, "--table", table, "--stage", stage, "--verbose",
                    "--warehouse", "postgres://\(user):\(password)x@\(host):\(port)/\(database)",
                ]
            ),
            ("plan --json", ["plan", sales, "--table", table, "--stage", stage, "--warehouse", warehouse, "--json"]),
            ("unload", ["unload", "--table", table, "--stage", stage, "--warehouse", warehouse, "--verbose"]),
            (
                "unload to S3",
                [
                    "unload", "--table", table, "--stage", stage, "--warehouse", warehouse,
                    "--to", "\(stage)/unloaded/", "--verbose",
                ]
            ),
            ("status --json", ["status", "--stage", stage, "--warehouse", warehouse, "--json"]),
            ("check", ["check", "--stage", stage, "--warehouse", warehouse, "--verbose"]),
            ("check --json", ["check", "--stage", stage, "--warehouse", warehouse, "--json"]),
            (
                "gc --dry-run --json",
                ["gc", "--stage", stage, "--warehouse", warehouse, "--dry-run", "--json", "--older-than", "0s"]
            ),
            ("schedule list --json", ["schedule", "list", "--config", config.path, "--json"]),
            ("schedule run --once", ["schedule", "run", "--once", "--config", config.path]),
            ("schedule status --json", ["schedule", "status", "daily", "--config", config.path, "--json"]),
        ]
        var leaks: [String] = []
        var statuses: [String: Int32] = [:]
        for (label, arguments) in runs {
            let result = try await CLI.run(arguments)
            statuses[label] = result.status
            leaks += Self.leaks(in: result.stdout, "stdout of \(label)", secrets)
            leaks += Self.leaks(in: result.stderr, "stderr of \(label)", secrets)
        }
        // The runs did what they were meant to: the failures failed, the rest worked.
        for label in ["malformed load", "type conflict", "no such bucket", "unreachable warehouse", "wrong password"] {
            #expect(statuses[label] != 0, "\(label) did not fail")
        }
        for label in [
            "load --json --verbose", "load partition", "plan --json", "unload", "unload to S3", "status --json",
            "check", "schedule list --json", "schedule run --once", "schedule status --json",
        ] {
            #expect(statuses[label] == 0, "\(label) failed")
        }

        // Ledger and attempts rows, whole, as text.
        let ledger = try ScheduleCommandTests.psql("SELECT string_agg(l::text, E'\\n') FROM stevedore.load_history l")
        #expect(ledger.contains(schema), "the ledger has no row of this test's loads")
        leaks += Self.leaks(in: ledger, "the ledger", secrets)
        let attempts = try ScheduleCommandTests.psql(
            "SELECT coalesce(string_agg(a::text, E'\\n'), '') FROM stevedore.load_attempts a")
        leaks += Self.leaks(in: attempts, "the attempts table", secrets)

        // Every staged and unloaded object under the prefix, gunzipped where gzipped.
        let objects = try await Self.objectTexts(prefix: prefix)
        #expect(
            objects.count >= 3,
            "expected the kept stages and the unload under \(prefix), found \(objects.keys.sorted())")
        for (key, text) in objects {
            leaks += Self.leaks(in: text, "s3://\(CLI.bucket)/\(key)", secrets)
        }
        #expect(leaks.isEmpty, "\(leaks)")
    }

    /// The text of every object under `prefix`, gunzipped when it is gzip, read with S3Store and the
    /// same credentials.
    static func objectTexts(prefix: String) async throws -> [String: String] {
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: CLI.bucket))
        var texts: [String: String] = [:]
        for key in try await store.listKeys(prefix: prefix + "/") {
            let bytes = try await store.getBytes(key)
            texts[key] = String(
                decoding: bytes.starts(with: [0x1F, 0x8B]) ? try Gzip.decompress(bytes) : bytes, as: UTF8.self)
        }
        return texts
    }
}
