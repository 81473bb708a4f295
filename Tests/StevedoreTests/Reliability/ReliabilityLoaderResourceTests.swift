import Foundation
import Frames
import ObjectStore
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// Part 4 of the reliability suites, in-process: concurrent `Loader` stores into one partition and
/// into distinct partitions, and concurrent loads back, through the S3 stage and a folder stage.
/// Afterwards no connection of the loads is left (`pg_stat_activity`, by application name: exact,
/// always checked) and no descriptor they opened stays open (`/proc/self/fd`). Other suites running
/// in parallel open descriptors too (an S3 test's kept-alive connections), so descriptors are
/// counted and reported always, but fail the test only with `STEVEDORE_RELIABILITY_STRICT_FDS=1`,
/// which `scripts/reliability` sets when it runs this suite alone in its process.
/// `STEVEDORE_RELIABILITY_CONCURRENCY` concurrent loads (default 6).
@Suite("Reliability: connections and descriptors of concurrent loads", .serialized, .timeLimit(.minutes(5)))
struct ReliabilityLoaderResourceTests {
    @Test("concurrent stores and loads back release every connection and file descriptor")
    func releasesEverything() async throws {
        let count = ReliabilityCases.count("STEVEDORE_RELIABILITY_CONCURRENCY", default: 6)
        let environment = ProcessInfo.processInfo.environment
        let fixture = try LoaderFixture()
        guard let bucket = environment["STEVEDORE_TEST_BUCKET"],
            let s3Port = environment["AWS_ENDPOINT_URL_S3"].flatMap(URLComponents.init(string:))?.port,
            let pgPort = environment["PGPORT"].flatMap({ Int($0) })
        else {
            throw TestServices.NotConfigured(variables: ["STEVEDORE_TEST_BUCKET", "AWS_ENDPOINT_URL_S3", "PGPORT"])
        }
        let application = "stevedore_fds_\(UInt32.random(in: 0...UInt32.max))"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }

        let before = DescriptorSnapshot.take()
        do {
            var options = Loader.Options()
            options.partSize = 16 * 1024
            options.pipelinedPartSize = 16 * 1024
            options.stagePrefix = "tests/fds-\(UInt32.random(in: 0...UInt32.max))"
            let stages: [(String, any ObjectStore)] = [
                ("s3", S3Store(try S3Configuration.fromEnvironment(bucket: bucket))),
                ("folder", try FileStore(root: folder)),
            ]
            for (name, stage) in stages {
                let loader = Loader(warehouse: "application_name=\(application)", stage: stage, options: options)
                let table = fixture.table("fds_\(name)")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for seed in 1...count {
                        group.addTask {
                            try await loader.store(
                                LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: 200 + seed, seed: seed),
                                into: table, partition: .day("2024-01-01", column: "day"))
                        }
                        group.addTask {
                            let day = String(format: "2024-02-%02d", seed)
                            try await loader.store(
                                LoaderFixture.sales(days: [day], rowsPerDay: 100, seed: 100 + seed),
                                into: table, partition: .day(day, column: "day"))
                        }
                    }
                    try await group.waitForAll()
                }
                let connection = try await fixture.connection()
                let winners = try await connection.execute(
                    "SELECT DISTINCT id / 1000000 FROM \(table.quoted) WHERE day = '2024-01-01'"
                ).rows
                let winner = Int(winners.first?.first??.description ?? "") ?? -1
                #expect(winners.count == 1, "\(name): one store's rows in the shared partition")
                #expect(
                    try await connection.execute("SELECT count(*) FROM \(table.quoted) WHERE day = '2024-01-01'").scalar
                        == String(200 + winner), "\(name): exactly that store's rows")
                #expect(
                    try await connection.execute(
                        "SELECT count(*) || ' ' || count(DISTINCT id) FROM \(table.quoted) WHERE day >= '2024-02-01'"
                    ).scalar
                        == "\(count * 100) \(count * 100)", "\(name): every partition's rows once")
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for seed in 1...count {
                        group.addTask {
                            try await loader.load(
                                table, partition: .day(String(format: "2024-02-%02d", seed), column: "day")
                            ).rowCount
                        }
                    }
                    for try await rows in group { #expect(rows == 100, "\(name): a load back read \(rows) rows") }
                }
            }
        }

        let open = try await fixture.remainingBackends(application, on: try await fixture.connection())
        #expect(open == 0, "\(open) connections of the loads are still open")
        // A descriptor still open (to the same target) a few seconds after the loader is gone was kept.
        var kept = DescriptorSnapshot.take().opened(since: before)
        for _ in 0..<10 where !kept.isEmpty {
            try await Task.sleep(for: .milliseconds(500))
            let now = DescriptorSnapshot.take()
            kept = kept.filter { now.targets[$0.key] == $0.value }
        }
        let sockets = DescriptorSnapshot.sockets(kept, to: [pgPort, s3Port])
        let after = DescriptorSnapshot.take()
        print(
            "reliability descriptors: \(count * 2) concurrent stores and \(count) loads back per stage (S3, folder); "
                + "descriptors before \(before.targets.count), after \(after.targets.count); kept by the loads: \(kept.count) "
                + "(sockets to PostgreSQL or S3: \(sockets.count)); connections left: \(open)")
        if environment["STEVEDORE_RELIABILITY_STRICT_FDS"] == "1" {
            #expect(sockets.isEmpty, "sockets to PostgreSQL or S3 outlived the loads: \(sockets)")
            #expect(kept.isEmpty, "descriptors outlived the loads: \(kept)")
        }
        try await fixture.dropSchema()
    }
}
