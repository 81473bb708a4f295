import Foundation
import Testing

/// `stevedore gc` against a folder stage and the live ledger: only loads the ledger does not know,
/// older than the grace period, are removed; committed loads and foreign objects stay.
@Suite("stevedore gc", .timeLimit(.minutes(5)))
struct GCCommandTests {
    struct Report: Decodable {
        struct Load: Decodable {
            var prefix, loadID: String
            var objects: Int
        }
        var dryRun: Bool
        var loads: [Load]
        var removedObjects: Int
    }

    /// A load id for `date`, as Stevedore makes them.
    static func loadID(_ date: Date, suffix: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        return "\(formatter.string(from: date))-\(suffix)"
    }

    @Test("dry run lists, gc removes only uncommitted loads past the grace period; committed and foreign objects stay")
    func removesOnlyUncommitted() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let stage = "file://\(folder.path)"
        let file = try CLI.file("t.csv", "id,name\n1,a\n2,b\n")
        let loaded = try await CLI.run([
            "load", file.path, "--table", "\(schema).t", "--stage", stage, "--keep-stage", "--json",
        ])
        #expect(loaded.status == 0, "\(loaded.stderr)")

        func write(_ relative: String, _ text: String = "x") throws {
            let url = folder.appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let old = Self.loadID(Date(timeIntervalSinceNow: -2 * 86400), suffix: "0badc0de")
        let young = Self.loadID(Date(timeIntervalSinceNow: -60), suffix: "00c0ffee")
        let oldPrefix = "stevedore/\(schema)/t/_all/\(old)/"
        let youngPrefix = "stevedore/\(schema)/t/day=2024-01-01/\(young)/"
        try write(oldPrefix + "part-00001.csv.gz", "killed mid-staging")
        try write(oldPrefix + "part-00002.csv.gz")
        try write(youngPrefix + "part-00001.csv.gz")
        try write("stevedore/notes.txt")
        try write("stevedore/\(schema)/README")
        func exists(_ relative: String) -> Bool {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(relative).path)
        }

        let dry = try await CLI.run(["gc", "--dry-run", "--older-than", "1h", "--stage", stage, "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let listed = try JSONDecoder().decode(Report.self, from: Data(dry.stdout.utf8))
        #expect(listed.dryRun)
        #expect(listed.loads.map(\.prefix) == [oldPrefix])
        #expect(listed.loads.map(\.objects) == [2])
        #expect(listed.removedObjects == 0)
        #expect(exists(oldPrefix + "part-00001.csv.gz"), "a dry run removes nothing")

        let removed = try await CLI.run(["gc", "--older-than", "1h", "--stage", stage])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(
            removed.stdout.contains("removed 2 objects (19 bytes) of 1 loads that never committed"), "\(removed.stdout)"
        )
        #expect(!exists(oldPrefix + "part-00001.csv.gz") && !exists(oldPrefix + "part-00002.csv.gz"))
        #expect(exists(youngPrefix + "part-00001.csv.gz"), "a load younger than the grace period may still be running")

        // With no grace, the young load goes too; the committed load (kept with --keep-stage) never does.
        let all = try await CLI.run(["gc", "--older-than", "0s", "--stage", stage, "--json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(all.stdout.utf8))
        #expect(report.loads.map(\.prefix) == [youngPrefix])
        #expect(report.removedObjects == 1)
        let committed = try FileManager.default.subpathsOfDirectory(
            atPath: folder.appendingPathComponent("stevedore/\(schema)/t/_all").path
        )
        .filter { $0.hasSuffix(".csv.gz") }
        #expect(committed.count == 1, "the committed load's part is still there: \(committed)")
        #expect(
            exists("stevedore/notes.txt") && exists("stevedore/\(schema)/README"), "objects outside load folders stay")
        #expect(try ScheduleCommandTests.psql("SELECT count(*) FROM \(schema).t") == "2")

        let usage = try await CLI.run(["gc", "--older-than", "soon", "--stage", stage])
        BadInputTests.expectUsageError(usage, command: "gc", mentioning: "--older-than soon")
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }
}
