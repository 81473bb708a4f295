import Blocking
import Foundation
import TestSupport
import Testing

/// The threads a `stevedore load` process runs, read from /proc while it loads: its blocking work
/// is on the pool's `stevedore-io-N` threads only, as many as docs/architecture.md says.
@Suite("Threads of a CLI load", .timeLimit(.minutes(2)))
struct ThreadUseTests {
    /// The names (`comm`) of the process's threads.
    static func threadNames(_ pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test(
        "a load from a FIFO through a folder stage uses at most 2 + uploadConcurrency pool threads, and no others of its own"
    )
    func poolThreadsOnly() async throws {
        try CLI.requireServices()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("threads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let schema = "cli_threads_\(UInt32.random(in: 0...UInt32.max))"
        let fifo = try FIFO(folder.appendingPathComponent("input.csv").path)
        let running = try CLIProcess([
            "load", fifo.path, "--table", "\(schema).t", "--stage",
            "file://\(folder.path)/stage",
        ])
        let pid = running.process.processIdentifier
        let writer = try await fifo.openWriter()
        var samples = [Self.threadNames(pid)]
        // 300,000 rows in ten writes, the threads sampled after each: rows are staged and copied
        // while input still comes.
        try await BlockingPool.shared.run { try writer.write(Array("id,label,amount\n".utf8)) }
        for chunk in 0..<10 {
            let rows = (chunk * 30_000..<(chunk + 1) * 30_000).map { "\($0),label \($0),\(Double($0) / 4)\n" }
            try await BlockingPool.shared.run { try writer.write(Array(rows.joined().utf8)) }
            samples.append(Self.threadNames(pid))
        }
        writer.close()
        let result = try await running.finish()
        _ = try ScheduleCommandTests.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try? FileManager.default.removeItem(at: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("loaded 300000 rows"), "\(result.stdout)")
        let own = Set(samples.flatMap { $0 }.filter { $0.hasPrefix("stevedore-") })
        #expect(
            own.allSatisfy { $0.hasPrefix("stevedore-io-") }, "threads of its own besides the pool: \(own.sorted())")
        let counts = samples.map { $0.filter { $0.hasPrefix("stevedore-io-") }.count }
        let peak = counts.max() ?? 0
        print(
            "stevedore-io threads of a CLI load, sampled as input came: \(counts); all threads at the peak: "
                + "\(samples[counts.firstIndex(of: peak) ?? 0].sorted())")
        // The reader, the connection's lane, and the uploads in flight (uploadConcurrency is 2).
        #expect((1...4).contains(peak), "peak pool threads \(peak) in \(samples)")
    }
}
