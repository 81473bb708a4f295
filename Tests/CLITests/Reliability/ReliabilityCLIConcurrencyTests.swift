import Foundation
import TestSupport
import Testing

/// Part 4 of the reliability suites, through the CLI: concurrent `stevedore load` processes into one
/// partition (the table created by whichever comes first), into distinct partitions, and loads
/// racing `stevedore unload` of the same partition. No duplicates, no losses, no deadlock error
/// shown to the user, and no connection left behind (counted in `pg_stat_activity` by the
/// processes' application name). `STEVEDORE_RELIABILITY_CONCURRENCY` processes (default 6; 16 in
/// `scripts/reliability`); half as many load/unload races.
@Suite("Reliability: concurrent CLI loads", .serialized, .timeLimit(.minutes(5)))
struct ReliabilityCLIConcurrencyTests {
    static var processes: Int { ReliabilityCases.count("STEVEDORE_RELIABILITY_CONCURRENCY", default: 6) }

    /// The rows of load `index`: `50 + 3 * index` rows, ids `index * 10000 + j`.
    static func rows(_ index: Int, day: String) -> [String] {
        (0..<(50 + 3 * index)).map { "\(index * 10_000 + $0),\(day),\(["eu", "us"][$0 % 2]),\(index * 100 + $0)" }
    }

    static func file(_ index: Int, day: String) throws -> URL {
        try CLI.file(
            "load-\(index).csv", "id,day,region,amount\n" + rows(index, day: day).joined(separator: "\n") + "\n")
    }

    /// A fresh application name for the processes, and the environment that sets it.
    static func application() -> (name: String, environment: [String: String]) {
        let name = "stevedore_conc_\(UInt32.random(in: 0...UInt32.max))"
        return (name, ["PGAPPNAME": name])
    }

    /// Connections of `application` still open, after giving closing ones a moment.
    static func openConnections(_ application: String) async throws -> Int {
        var count = -1
        for _ in 0..<50 {
            count =
                Int(
                    try ScheduleCommandTests.psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(application)'")) ?? -1
            if count == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return count
    }

    /// Every result exited 0 with nothing on stderr (in particular no deadlock).
    static func expectClean(_ results: [CLI.Result], _ what: String) {
        for (index, result) in results.enumerated() {
            #expect(
                result.status == 0 && result.stderr.isEmpty,
                "\(what) #\(index): exit \(result.status): \(result.stderr)")
            #expect(
                !result.stderr.lowercased().contains("deadlock"),
                "\(what) #\(index) showed a deadlock: \(result.stderr)")
        }
    }

    @Test("concurrent loads of one partition: one load's rows exactly, every load in the ledger, no connection left")
    func onePartition() async throws {
        try CLI.requireServices()
        let count = Self.processes
        let schema = CLI.uniqueSchema()
        let stage = "s3://\(CLI.bucket)/tests/concurrency-\(schema)"
        let (application, environment) = Self.application()
        let files = try (0..<count).map { try Self.file($0, day: "2024-01-01") }
        let running = try files.map {
            try CLIProcess(
                [
                    "load", $0.path, "--table", "\(schema).sales", "--partition", "day=2024-01-01", "--stage", stage,
                    "--quiet",
                ], environment: environment)
        }
        var results: [CLI.Result] = []
        for process in running { results.append(try await process.finish()) }
        Self.expectClean(results, "load")
        let winner = Int(try ScheduleCommandTests.psql("SELECT min(id) / 10000 FROM \(schema).sales")) ?? -1
        let rows = try ScheduleCommandTests.psql(
            "SELECT id || ',' || day || ',' || region || ',' || amount FROM \(schema).sales ORDER BY id")
        #expect(
            winner >= 0 && rows.split(separator: "\n").map(String.init) == Self.rows(winner, day: "2024-01-01"),
            "the partition holds exactly the rows of one load (load \(winner))")
        #expect(
            try ScheduleCommandTests.psql(
                "SELECT count(*) || ' ' || count(DISTINCT load_id) FROM stevedore.load_history WHERE table_schema = '\(schema)'"
            )
                == "\(count) \(count)", "every load committed once")
        #expect(
            try ScheduleCommandTests.psql(
                "SELECT row_count FROM stevedore.load_history WHERE table_schema = '\(schema)' ORDER BY committed_at DESC LIMIT 1"
            )
                == String(Self.rows(winner, day: "").count), "the last load to commit is the one whose rows are there")
        #expect(try await Self.openConnections(application) == 0, "every connection of the loads is closed")
        print("reliability concurrency (one partition): \(count) concurrent loads, all exit 0, load \(winner) won")
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("concurrent loads of distinct partitions: every partition exactly its rows, no connection left")
    func distinctPartitions() async throws {
        try CLI.requireServices()
        let count = Self.processes
        let schema = CLI.uniqueSchema()
        let stage = "s3://\(CLI.bucket)/tests/concurrency-\(schema)"
        let (application, environment) = Self.application()
        let days = (0..<count).map { String(format: "2024-03-%02d", $0 + 1) }
        let running = try days.enumerated().map { index, day in
            try CLIProcess(
                [
                    "load", try Self.file(index, day: day).path, "--table", "\(schema).sales", "--partition",
                    "day=\(day)",
                    "--stage", stage, "--quiet",
                ], environment: environment)
        }
        var results: [CLI.Result] = []
        for process in running { results.append(try await process.finish()) }
        Self.expectClean(results, "load")
        let rows = try ScheduleCommandTests.psql(
            "SELECT id || ',' || day || ',' || region || ',' || amount FROM \(schema).sales ORDER BY id")
        let expected = days.enumerated().flatMap { Self.rows($0.offset, day: $0.element) }
        #expect(rows.split(separator: "\n").map(String.init) == expected, "no duplicates, no losses")
        #expect(
            try ScheduleCommandTests.psql(
                "SELECT count(DISTINCT partition_key) FROM stevedore.load_history WHERE table_schema = '\(schema)'")
                == String(count))
        #expect(try await Self.openConnections(application) == 0, "every connection of the loads is closed")
        print(
            "reliability concurrency (distinct partitions): \(count) concurrent loads, \(expected.count) rows, all exact"
        )
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("a load racing an unload of the same partition: the unload reads the old rows or the new, never a mix")
    func loadRacingUnload() async throws {
        try CLI.requireServices()
        let races = max(3, Self.processes / 2)
        let schema = CLI.uniqueSchema()
        let stage = "s3://\(CLI.bucket)/tests/concurrency-\(schema)"
        let (application, environment) = Self.application()
        let load = { (index: Int) in
            [
                "load", try Self.file(index, day: "2024-01-01").path, "--table", "\(schema).sales", "--partition",
                "day=2024-01-01",
                "--stage", stage, "--quiet",
            ]
        }
        Self.expectClean([try await CLI.run(try load(0), environment: environment)], "first load")
        var sawOld = 0
        var sawNew = 0
        for race in 1...races {
            // The unload starts a seeded moment after the load, so it lands before, during or after its commit.
            var generator = ReliabilityCases.generator(suite: "race", case: race)
            let loading = try CLIProcess(try load(race), environment: environment)
            try await Task.sleep(for: .seconds(Double.random(in: 0...0.4, using: &generator)))
            let unload = try CLIProcess(
                ["unload", "--table", "\(schema).sales", "--partition", "day=2024-01-01", "--stage", stage],
                environment: environment)
            let (read, loaded) = (try await unload.finish(), try await loading.finish())
            Self.expectClean([read, loaded], "race \(race)")
            let lines = Set(read.stdout.split(separator: "\n").map(String.init))
            if lines == Set(Self.rows(race - 1, day: "2024-01-01")) {
                sawOld += 1
            } else if lines == Set(Self.rows(race, day: "2024-01-01")) {
                sawNew += 1
            } else {
                Issue.record(
                    "race \(race): the unload read \(lines.count) rows that are neither the old load's nor the new one's"
                )
            }
            #expect(try await CLI.rows("\(schema).sales", stage: stage) == Self.rows(race, day: "2024-01-01").sorted())
        }
        #expect(try await Self.openConnections(application) == 0, "every connection of the loads and unloads is closed")
        print(
            "reliability concurrency (load racing unload): \(races) races, unload saw the old rows \(sawOld)×, the new \(sawNew)×"
        )
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }
}
