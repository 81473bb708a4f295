import Foundation
import ObjectStore
import Stevedore
import TestSupport
import Testing

/// Part 3 of the reliability suites: `stevedore load` killed with SIGKILL at a seeded moment spread
/// over a load's duration, then the same load run to completion: the table is exactly the new
/// content every time (and, right after the kill, exactly the old or the new). The killed runs'
/// staged objects are then listed by `stevedore gc --dry-run` and removed by `stevedore gc`, which
/// leave committed loads kept with `--keep-stage` alone and, within the grace period, everything.
/// `STEVEDORE_RELIABILITY_KILL_CASES` cases (default 5).
@Suite("Reliability: killed loads", .serialized, .timeLimit(.minutes(5)))
struct ReliabilityKillTests {
    static let suite = "kill"

    struct GCReport: Decodable {
        struct Load: Decodable {
            var prefix, loadID: String
            var objects: Int
        }
        var dryRun: Bool
        var loads: [Load]
        var removedObjects: Int
    }

    /// A CSV of `rows` sales of 2024-01-01 with a random 120-character note each, which gzip cannot
    /// shrink much: about 1.2 s and six staged parts for 50,000 rows, so kills land between parts.
    static func salesFile(rows: Int, seed: Int) throws -> URL {
        var generator = SeededGenerator(seed: UInt64(seed))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var text: [UInt8] = Array("id,day,region,amount,note\n".utf8)
        text.reserveCapacity(rows * 160)
        for index in 0..<rows {
            let region = ["eu", "us", "ap"][Int(generator.next() % 3)]
            text += Array("\(seed * 1_000_000 + index),2024-01-01,\(region),\(generator.next() % 100_000),\"".utf8)
            for _ in 0..<12 {
                var bits = generator.next()
                for _ in 0..<10 {
                    text.append(alphabet[Int(bits & 63)])
                    bits >>= 6
                }
            }
            text += Array("\"\n".utf8)
        }
        return try CLI.file("sales-\(seed).csv", String(decoding: text, as: UTF8.self))
    }

    static func checksum(_ table: String) throws -> String {
        try ScheduleCommandTests.psql(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t")
    }

    @Test(
        "a load killed at any moment and run again leaves exactly the new content; gc removes what killed runs staged")
    func killedLoads() async throws {
        try CLI.requireServices()
        let cases = ReliabilityCases.count("STEVEDORE_RELIABILITY_KILL_CASES", default: 5)
        let schema = CLI.uniqueSchema()
        let table = "\(schema).sales"
        let stagePrefix = "tests/kill-\(UInt32.random(in: 0...UInt32.max))"
        let stage = "s3://\(CLI.bucket)/\(stagePrefix)"
        let files = try [Self.salesFile(rows: 50_000, seed: 1), Self.salesFile(rows: 46_000, seed: 2)]
        defer { for file in files { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) } }
        let folderStage = "file://\(FileManager.default.temporaryDirectory.path)/kill-reference-\(schema)"
        var expected: [String] = []
        for (index, file) in files.enumerated() {
            let reference = try await CLI.run([
                "load", file.path, "--table", "\(schema).expected_\(index)", "--stage", folderStage, "--quiet",
            ])
            #expect(reference.status == 0, "\(reference.stderr)")
            expected.append(try Self.checksum("\(schema).expected_\(index)"))
        }
        let load = { (file: URL, keep: Bool) in
            ["load", file.path, "--table", table, "--partition", "day=2024-01-01", "--stage", stage, "--quiet"]
                + (keep ? ["--keep-stage"] : [])
        }
        // The first load, timed: kills are spread over this duration.
        let clock = ContinuousClock()
        let started = clock.now
        let first = try await CLI.run(load(files[1], false))
        let duration = clock.now - started
        #expect(first.status == 0, "\(first.stderr)")
        var current = expected[1]

        let (store, _) = try Locations.stage(stage)
        let root = stagePrefix + "/"
        /// The stage's load folders (schema/table/partition/load id) and how many objects each holds.
        func folders() async throws -> [String: Int] {
            var found: [String: Int] = [:]
            for key in try await store.listKeys(prefix: root) {
                let segments = key.dropFirst(root.count).split(separator: "/")
                guard segments.count >= 5 else { continue }
                found[root + segments[0..<4].joined(separator: "/") + "/", default: 0] += 1
            }
            return found
        }

        var killedMidway = 0
        var kept = 0
        var problems: [String] = []
        // The folders each killed run left behind, found right after its kill (before its rerun).
        var leftByKills: [String: Int] = [:]
        var known = try await folders()
        func noteWhatTheKillLeft() async throws {
            // A request whose body was sent before the kill may still complete on the server.
            try await Task.sleep(for: .milliseconds(500))
            let now = try await folders()
            for (folder, objects) in now where known[folder] == nil { leftByKills[folder] = objects }
            known = now
        }
        for index in 0..<cases {
            var generator = ReliabilityCases.generator(suite: Self.suite, case: index)
            let label = ReliabilityCases.label(suite: Self.suite, case: index)
            let which = index % 2
            let delay = Double.random(in: 0.02...1.1, using: &generator) * duration.seconds
            let keep = Bool.random(using: &generator)
            let running = try CLIProcess(load(files[which], false))
            try await Task.sleep(for: .seconds(delay))
            let killed = running.killNow()
            if killed { killedMidway += 1 }
            try await noteWhatTheKillLeft()
            let afterKill = try Self.checksum(table)
            var ok = true
            if afterKill != current && afterKill != expected[which] {
                problems.append("\(label) killed after \(delay) s: the table is neither the old nor the new content")
                ok = false
            }
            let rerun = try await CLI.run(load(files[which], keep))
            if rerun.status != 0 || rerun.stderr.contains("deadlock") {
                problems.append("\(label) the rerun after a kill at \(delay) s failed: \(rerun.status) \(rerun.stderr)")
                ok = false
            }
            if try Self.checksum(table) != expected[which] {
                problems.append("\(label) killed after \(delay) s, rerun: the table is not exactly the new content")
                ok = false
            }
            print(
                "\(label) kill after \(String(format: "%.3f", delay)) s of a \(String(format: "%.3f", duration.seconds)) s load: "
                    + "\(killed ? "killed midway" : "had already exited"), table after the kill "
                    + "\(afterKill == expected[which] ? "new" : afterKill == current ? "old" : "NEITHER"), rerun "
                    + "\(rerun.status == 0 ? "completed" : "failed")\(keep ? " (stage kept)" : "")")
            if ok { kept += 1 }
            current = expected[which]
            known = try await folders()
        }

        // One more kill that lands after the first part is staged, whatever the timings: gc has
        // something to find even when every seeded kill landed before staging began or after the end.
        let running = try CLIProcess(load(files[0], false))
        var staged = false
        for _ in 0..<1_000 where running.process.isRunning {
            if try await folders().contains(where: { known[$0.key] == nil }) {
                staged = true
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let killedAfterStaging = running.killNow()
        try await noteWhatTheKillLeft()
        #expect(staged && killedAfterStaging, "the load was killed after it staged its first part")
        #expect(try Self.checksum(table) == current, "a load killed after staging leaves the old content")
        #expect(try await CLI.run(load(files[0], false)).status == 0)
        #expect(try Self.checksum(table) == expected[0], "its rerun loads exactly the new content")
        known = try await folders()

        // gc: within the grace period nothing goes; then exactly the loads the ledger does not know.
        let committed = Set(
            try ScheduleCommandTests.psql(
                "SELECT load_id FROM stevedore.load_history WHERE table_schema = '\(schema)'"
            ).split(separator: "\n").map(String.init))
        let before = try await folders()
        let garbage = before.filter { !committed.contains(String($0.key.split(separator: "/").last ?? "")) }
        // A kill that lands after COMMIT, while the run removes its stage, leaves a committed load's
        // folder: gc rightly keeps it, so only the uncommitted ones count here.
        let leftUncommitted = leftByKills.filter {
            !committed.contains(String($0.key.split(separator: "/").last ?? ""))
        }
        #expect(
            Set(garbage.keys) == Set(leftUncommitted.keys),
            "the uncommitted folders are exactly what the killed runs left")
        let young = try await CLI.run(["gc", "--dry-run", "--older-than", "1h", "--stage", stage, "--json"])
        #expect(
            try JSONDecoder().decode(GCReport.self, from: Data(young.stdout.utf8)).loads.isEmpty,
            "loads younger than the grace period are never listed: \(young.stdout)\(young.stderr)")
        let dry = try await CLI.run(["gc", "--dry-run", "--older-than", "0s", "--stage", stage, "--json"])
        let listed = try JSONDecoder().decode(GCReport.self, from: Data(dry.stdout.utf8))
        #expect(
            Set(listed.loads.map(\.prefix)) == Set(garbage.keys), "gc --dry-run lists exactly the killed loads' folders"
        )
        #expect(try await folders() == before, "a dry run removes nothing")
        let removed = try await CLI.run(["gc", "--older-than", "0s", "--stage", stage, "--json"])
        let report = try JSONDecoder().decode(GCReport.self, from: Data(removed.stdout.utf8))
        #expect(report.removedObjects == garbage.values.reduce(0, +))
        let after = try await folders()
        #expect(after == before.filter { garbage[$0.key] == nil }, "committed (kept) loads keep every object")
        print(
            "reliability kills (seed \(ReliabilityCases.seed)): \(cases) cases, \(kept) kept the promise, "
                + "\(killedMidway) killed midway; gc listed \(listed.loads.count) uncommitted load folders "
                + "(\(garbage.values.reduce(0, +)) objects), removed \(report.removedObjects), kept \(after.count) committed"
        )
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(kept == cases)
        #expect(!garbage.isEmpty, "the kill after staging left its parts for gc")
        _ = try await store.deleteMany(try await store.listKeys(prefix: root))
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }
}
