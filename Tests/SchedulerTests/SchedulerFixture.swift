import Foundation
import Logging
import ObjectStore
import Stevedore
import TestSupport
import Testing
import Warehouse

@testable import Scheduler

/// A clock the test moves: `sleep` jumps to the deadline at once and notes how long it was asked
/// to wait, so backoffs and schedules are checked without waiting for them.
final class TestClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleeps: [TimeInterval] = []
    /// Sleeps after this many throw `CancellationError`, as a cancelled service's would.
    var sleepsAllowed = Int.max

    init(_ start: Date) { current = start }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func set(_ instant: Date) {
        lock.lock()
        current = instant
        lock.unlock()
    }

    var waits: [TimeInterval] {
        lock.lock()
        defer { lock.unlock() }
        return sleeps
    }

    private func advance(to deadline: Date) -> Int {
        lock.lock()
        defer { lock.unlock() }
        sleeps.append(deadline.timeIntervalSince(current))
        current = max(current, deadline)
        return sleeps.count
    }

    func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let count = advance(to: deadline)
        if count > sleepsAllowed { throw CancellationError() }
        await Task.yield()
    }
}

/// A scheduler on the live test services: its own schema for the tables, ledger and attempts, a
/// folder stage, and a scratch folder for source files. Missing variables fail, never skip.
struct SchedulerFixture {
    let schema: String
    let folder: URL
    let ledger: LoadLedger
    let loader: Loader

    init() throws {
        try TestServices.require("PGHOST", "PGPORT")
        schema = "s_\(UInt32.random(in: 0...UInt32.max))"
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = LoadLedger(schema: schema)
        var options = Loader.Options()
        options.ledger = ledger
        options.partSize = 64 * 1024
        loader = Loader(stage: try FileStore(root: folder.appendingPathComponent("stage")), options: options)
    }

    func table(_ name: String) -> TableRef { TableRef(schema: schema, table: name) }

    static func instant(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text.count == 10 ? text + "T00:00:00Z" : text)!
    }

    static func daily(
        from start: String, column: String = "day", name: String = "date",
        timeZone: String = "UTC"
    ) -> PartitionDefinition {
        PartitionDefinition([
            .init(
                name: name, column: column,
                keys: .time(
                    TimeWindowPartitions(
                        cadence: .daily, start: instant(start), timeZone: TimeZone(identifier: timeZone)!),
                    columnIsDate: true))
        ])
    }

    func warehouse() -> SchedulerWarehouse {
        SchedulerWarehouse(
            connectionString: "", dialect: PostgresDialect(), ledger: ledger,
            logger: Logger(label: "test.scheduler"))
    }

    func service(
        _ jobs: [Job], clock: TestClock, concurrency: Int = 1, warehouse: SchedulerWarehouse? = nil,
        tune: (inout ScheduleService.Options) -> Void = { _ in }
    ) throws -> ScheduleService {
        let warehouse = warehouse ?? self.warehouse()
        var options = ScheduleService.Options()
        options.concurrency = concurrency
        tune(&options)
        return try ScheduleService(
            jobs: jobs.map { ScheduledJob(job: $0, loader: loader, warehouse: warehouse) },
            clock: clock, options: options)
    }

    /// Writes `text` to `relative` under the scratch folder; returns the path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func connection() async throws -> Connection { try await Connection.connect("") }

    func rows(_ sql: String, _ parameters: [String?] = []) async throws -> [[String?]] {
        try await connection().execute(sql, parameters).rows
    }

    /// Ledger rows of `table`: partition label and row count, oldest first.
    func ledgerRows(_ table: TableRef) async throws -> [[String?]] {
        try await rows(
            "SELECT partition_key, row_count FROM \(ledger.table.quoted) WHERE table_schema = $1 AND table_name = $2 "
                + "ORDER BY committed_at, load_id", [table.schema, table.table])
    }

    /// Attempts of `job`: partition, attempt number, outcome, oldest first.
    func attempts(_ job: String) async throws -> [[String?]] {
        try await rows(
            "SELECT partition_key, attempt::text, outcome, error FROM \(quoteIdentifier(schema)).load_attempts "
                + "WHERE job = $1 ORDER BY finished_at, partition_key, attempt", [job])
    }

    func cleanUp() async {
        _ = try? await connection().execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE")
        try? FileManager.default.removeItem(at: folder)
    }
}
