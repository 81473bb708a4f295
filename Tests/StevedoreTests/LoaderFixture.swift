import Foundation
import Frames
import ObjectStore
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// A loader on the live test services (`scripts/services env`), with a schema of its own per
/// test and a folder stage or the S3 test bucket. Missing variables fail, never skip.
struct LoaderFixture {
    enum StageKind { case folder, s3 }

    let loader: Loader
    let schema: String
    let folder: URL?

    init(_ kind: StageKind = .folder, tune: (inout Loader.Options) -> Void = { _ in }) throws {
        try TestServices.require("PGHOST", "PGPORT")
        schema = "t_\(UInt32.random(in: 0...UInt32.max))"
        var options = Loader.Options()
        options.partSize = 64 * 1024
        tune(&options)
        let stage: any ObjectStore
        switch kind {
        case .folder:
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)")
            folder = url
            stage = try FileStore(root: url)
        case .s3:
            let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
            folder = nil
            stage = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
            options.stagePrefix = "tests/loader-\(UInt32.random(in: 0...UInt32.max))"
        }
        loader = Loader(stage: stage, options: options)
    }

    func table(_ name: String) -> TableRef { TableRef(schema: schema, table: name) }

    /// Stores `text` from a temporary file (JSON Lines when `file` ends in `.jsonl`, else CSV read in
    /// batches of 250 rows) into `table`, with the fixture's options changed by `tune`.
    func store(
        _ text: String, into table: TableRef, file: String = "data.csv", partition: PartitionSpec? = nil,
        tune: (inout Loader.Options) -> Void
    ) async throws -> LoadReport {
        var options = loader.options
        tune(&options)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString)-\(file)")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let source: LoadSource =
            file.hasSuffix(".jsonl")
            ? try await .jsonLines(path: url.path)
            : try await .csv(path: url.path, options: CSVOptions(batchRows: 250))
        return try await Loader(stage: loader.stage, options: options).store(source, into: table, partition: partition)
    }

    func connection() async throws -> Connection { try await Connection.connect("") }

    /// Sessions of `application` still in `pg_stat_activity`, after giving a closing or terminated
    /// one up to 5 s to go.
    func remainingBackends(_ application: String, on connection: Connection) async throws -> Int {
        var count = -1
        for _ in 0..<50 {
            count =
                Int(
                    try await connection.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [application]
                    ).scalar ?? "") ?? -1
            if count == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return count
    }

    /// Every row of `table` as text, in a stable order.
    func rows(_ table: TableRef, orderBy: String = "1") async throws -> [[String?]] {
        let connection = try await connection()
        return try await connection.execute("SELECT * FROM \(table.quoted) ORDER BY \(orderBy)").rows
    }

    /// A checksum of every row of `table` (order-independent), for "exactly as before" checks.
    func checksum(_ table: TableRef) async throws -> String {
        let connection = try await connection()
        let result = try await connection.execute(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table.quoted) t"
        )
        return result.scalar ?? ""
    }

    /// The ledger rows of `table`, oldest first.
    func ledger(_ table: TableRef) async throws -> [[String?]] {
        let connection = try await connection()
        return try await connection.execute(
            "SELECT partition_key, mode, row_count, part_count FROM stevedore.load_history "
                + "WHERE table_schema = $1 AND table_name = $2 ORDER BY committed_at, load_id",
            [table.schema, table.table]
        ).rows
    }

    func stagedKeys() async throws -> [String] {
        try await loader.stage.listKeys(
            prefix: loader.options.stagePrefix.isEmpty ? "" : loader.options.stagePrefix + "/")
    }

    func dropSchema() async throws {
        let connection = try await connection()
        try await connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE")
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Rows of sales: `day` (date), `region`, `amount` (decimal), `note` (text with commas, quotes, newlines).
    static func sales(days: [String], rowsPerDay: Int = 50, regions: [String] = ["eu", "us"], seed: Int = 0) throws
        -> Frame
    {
        var day: [CivilDate?] = []
        var region: [String?] = []
        var amount: [ExactDecimal?] = []
        var note: [String?] = []
        var id: [Int64?] = []
        var next = Int64(seed * 1_000_000)
        for dayText in days {
            for index in 0..<rowsPerDay {
                next += 1
                id.append(next)
                day.append(CivilDate(dayText))
                region.append(regions[index % regions.count])
                amount.append(ExactDecimal("\(index * 7 + seed).\(index % 100 < 10 ? "0" : "")\(index % 100)"))
                note.append(index % 9 == 0 ? nil : index % 9 == 1 ? "" : "note \(index), \"quoted\"\nline \(seed)")
            }
        }
        return try Frame(columns: [
            Column.bigint("id", id), Column.date("day", day), Column.text("region", region),
            try Column.decimal("amount", precision: 12, scale: 2, amount), Column.text("note", note),
        ])
    }
}
