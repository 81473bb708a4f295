import Foundation
import Frames
import ObjectStore
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// Part 2 of the reliability suites: loads whose backend is terminated (`pg_terminate_backend`) at
/// one phase of the transaction: waiting for its lock, in DDL, DELETE, COPY, the ledger INSERT, or
/// just before COMMIT. A second session holds a conflicting lock so the load waits at the phase,
/// and a watcher terminates the backend once `pg_stat_activity` shows it there (COPY is caught as it
/// streams; COMMIT from the load's progress hook). After each case the table is exactly its old or
/// its new content and the ledger has the load's row exactly when the new content is there; the
/// same load then runs to completion. `STEVEDORE_RELIABILITY_PG_CASES` cases (default 6, one per phase).
@Suite("Reliability: warehouse faults", .serialized, .timeLimit(.minutes(5)))
struct ReliabilityWarehouseFaultTests {
    static let suite = "pg"

    @Test("a load whose backend is terminated at any phase leaves old or new content, and the ledger agrees")
    func terminatedBackends() async throws {
        let cases = ReliabilityCases.count("STEVEDORE_RELIABILITY_PG_CASES", default: 6)
        let fixture = try LoaderFixture(.folder)
        let ledger = LoadLedger(schema: fixture.schema + "_ledger")
        var hits: [WarehousePhase: Int] = [:]
        var runs: [WarehousePhase: Int] = [:]
        var kept = 0
        var failedLoads = 0
        var problems: [String] = []
        let indices = ReliabilityCases.indices(cases)
        for index in indices {
            var generator = ReliabilityCases.generator(suite: Self.suite, case: index)
            let phases = WarehousePhase.allCases
            // Round robin over the phases (from a seeded start), so a few cases cover them all.
            let phase = phases[(index + Int(ReliabilityCases.seed % UInt64(phases.count))) % phases.count]
            let pipelined = Bool.random(using: &generator)
            let rows =
                phase == .copy
                ? Int.random(in: 30_000...60_000, using: &generator)
                : Int.random(in: 100...1500, using: &generator)
            let copyDelay = Int.random(in: 0...150, using: &generator)
            let label =
                "\(ReliabilityCases.label(suite: Self.suite, case: index)) \(phase.rawValue), "
                + "\(pipelined ? "pipelined" : "sequential") load of \(rows) rows"
            runs[phase, default: 0] += 1
            do {
                let outcome = try await runCase(
                    index, phase: phase, pipelined: pipelined, rows: rows,
                    copyDelay: copyDelay, fixture: fixture, ledger: ledger)
                if outcome.hit { hits[phase, default: 0] += 1 }
                if outcome.failed { failedLoads += 1 }
                print(
                    "\(label): \(outcome.hit ? "terminated" : "not terminated"), "
                        + (outcome.error.map { "failed: \($0)" } ?? "succeeded"))
                if outcome.problems.isEmpty {
                    kept += 1
                } else {
                    problems += outcome.problems.map { "\(label): \($0)" }
                }
            } catch {
                problems.append("\(label): the case itself broke: \(error)")
            }
        }
        let perPhase = WarehousePhase.allCases.map { "\($0.rawValue) \(hits[$0] ?? 0)/\(runs[$0] ?? 0)" }
            .joined(separator: ", ")
        print(
            "reliability warehouse faults (seed \(ReliabilityCases.seed)): \(indices.count) cases, \(kept) kept the promise, "
                + "\(failedLoads) loads failed on the terminated backend; terminations hit per phase: \(perPhase)")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(kept == indices.count)
        #expect(hits.values.reduce(0, +) > 0, "no backend was ever terminated")
        let connection = try await fixture.connection()
        try await connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(ledger.schema)) CASCADE")
        try await fixture.dropSchema()
    }

    struct Outcome {
        var hit = false
        var failed = false
        var error: String?
        var problems: [String] = []
    }

    private func runCase(
        _ index: Int, phase: WarehousePhase, pipelined: Bool, rows: Int, copyDelay: Int,
        fixture: LoaderFixture, ledger: LoadLedger
    ) async throws -> Outcome {
        let table = fixture.table("pg_\(index)")
        let partition = PartitionSpec.day("2024-01-01", column: "day")
        let application = "stevedore_fault_\(UInt32.random(in: 0...UInt32.max))"
        var options = fixture.loader.options
        options.ledger = ledger
        options.pipelinedCopy = pipelined
        options.partSize = 256 * 1024
        options.pipelinedPartSize = 256 * 1024
        let setup = Loader(stage: fixture.loader.stage, options: options)
        try await setup.store(
            LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 300, seed: index), into: table)

        let sales = try LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: rows, seed: index + 100)
        // For DDL, a new column, so the load must ALTER the table.
        let frame =
            phase != .ddl
            ? sales
            : try Frame(columns: sales.columns + [Column.text("channel", (0..<rows).map { "web \($0 % 7)" })])
        let reference = TableRef(schema: table.schema, table: table.table + "_expected")
        let watcher = try await fixture.connection()
        try await watcher.execute("CREATE TABLE \(reference.quoted) AS TABLE \(table.quoted)")
        try await setup.store(frame, into: reference, partition: partition)
        let old = try await fixture.checksum(table)
        let new = try await fixture.checksum(reference)
        let ledgerBefore = try await ledgerRows(table, partition: partition, ledger: ledger, on: watcher)

        var faulted = options
        if phase == .commit {
            // Just before COMMIT (after the ledger INSERT), from the load's own task.
            faulted.progress = { progress in
                if progress.phase == "commit" {
                    _ = try? Self.psql(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                            + "WHERE application_name = '\(application)' AND state = 'idle in transaction'")
                }
            }
        }
        let loader = Loader(warehouse: "application_name=\(application)", stage: fixture.loader.stage, options: faulted)

        let holder = try await fixture.connection()
        if let blocker = phase.blocker(table: table, ledger: ledger) {
            try await holder.execute("BEGIN")
            try await holder.execute(blocker.sql, blocker.parameters)
        }
        var outcome = Outcome()
        let finished = LoadFinished()
        let result: Result<LoadReport, any Error> = await withTaskGroup(of: Result<LoadReport, any Error>?.self) {
            group in
            group.addTask {
                await withCleanUp({ await finished.set() }) { () async -> Result<LoadReport, any Error>? in
                    do { return .success(try await loader.store(frame, into: table, partition: partition)) } catch {
                        return .failure(error)
                    }
                }
            }
            group.addTask {
                // The watcher: polls until the backend is at the phase, terminates it, releases the blocker.
                let deadline = ContinuousClock.now + .seconds(20)
                var hit = false
                while phase != .commit, await !finished.value, ContinuousClock.now < deadline {
                    let seen = try? await watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND \(phase.activityCondition)",
                        [application]
                    ).scalar
                    if seen == "1" {
                        if phase == .copy { try? await Task.sleep(for: .milliseconds(copyDelay)) }
                        hit = (try? await watcher.execute(phase.terminateSQL(), [application]).scalar) == "t"
                        if hit || phase != .copy { break }
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                _ = try? await holder.execute("ROLLBACK")
                return hit ? .failure(Terminated()) : nil
            }
            var load: Result<LoadReport, any Error>?
            for await value in group {
                guard let value else { continue }
                if case .failure(let error) = value, error is Terminated {
                    outcome.hit = true
                    continue
                }
                load = value
            }
            return load ?? .failure(Terminated())
        }
        _ = try? await holder.execute("ROLLBACK")
        if phase == .commit, case .failure = result { outcome.hit = true }

        let after = try await fixture.checksum(table)
        let recorded = try await ledgerRows(table, partition: partition, ledger: ledger, on: watcher)
        switch result {
        case .success(let report):
            if after != new {
                outcome.problems.append("the load reported success but the table is not the new content")
            }
            if recorded != ledgerBefore + 1 {
                outcome.problems.append(
                    "the load reported success but the ledger went from \(ledgerBefore) to \(recorded) rows")
            }
            if phase != .copy, outcome.hit {
                outcome.problems.append("the backend was terminated yet the load succeeded: \(report)")
            }
        case .failure(let error):
            outcome.failed = true
            outcome.error = "\(error)"
            if after != old && after != new {
                outcome.problems.append("the table is neither the old nor the new content")
            }
            if recorded != ledgerBefore + (after == new ? 1 : 0) {
                outcome.problems.append(
                    "the ledger (\(ledgerBefore) → \(recorded) rows) disagrees with the table "
                        + "(\(after == new ? "new" : "old"))")
            }
            if let problem = Self.unclear(error) { outcome.problems.append(problem) }
        }
        // The terminated backend is gone, and the same load now runs to completion.
        if try await fixture.remainingBackends(application, on: watcher) != 0 {
            outcome.problems.append("a backend of the load is still connected")
        }
        try await Loader(stage: fixture.loader.stage, options: options).store(frame, into: table, partition: partition)
        if try await fixture.checksum(table) != new {
            outcome.problems.append("the rerun did not give the new content")
        }
        if try await ledgerRows(table, partition: partition, ledger: ledger, on: watcher) != recorded + 1 {
            outcome.problems.append("the rerun's ledger row is missing")
        }
        return outcome
    }

    /// Marks the watcher's termination in the task group's results.
    private struct Terminated: Error {}

    /// Set when the load returned, so the watcher stops looking (without cancelling a termination
    /// that is waiting for the backend to end).
    private actor LoadFinished {
        private(set) var value = false
        func set() { value = true }
    }

    private func ledgerRows(_ table: TableRef, partition: PartitionSpec, ledger: LoadLedger, on connection: Connection)
        async throws -> Int
    {
        let count = try await connection.execute(
            "SELECT count(*) FROM \(ledger.table.quoted) WHERE table_schema = $1 AND table_name = $2 AND partition_key = $3",
            [table.schema, table.table, partition.label]
        ).scalar
        return Int(count ?? "") ?? -1
    }

    /// Why `failure` is not a clear warehouse error about the lost connection, or nil.
    static func unclear(_ failure: any Error) -> String? {
        guard let error = failure as? StevedoreError else {
            return "failed with \(type(of: failure)), not a StevedoreError: \(failure)"
        }
        let text = "\(error)"
        guard error.code == .warehouse,
            ["terminating connection", "server closed the connection", "connection"].contains(where: text.contains)
        else {
            return "the error is not a clear warehouse error about the connection: \(error.code) \(text)"
        }
        return nil
    }

    /// `psql -tA` on the test database, outside the code under test (usable from a synchronous hook).
    static func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-t", "-A", "-c", sql]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
