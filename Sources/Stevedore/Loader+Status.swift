import Foundation
import ObjectStore
import Warehouse

/// One committed load, as the ledger recorded it.
public struct LedgerEntry: Sendable, Hashable {
    public var loadID: String
    public var table: String
    public var partition: String
    public var mode: String
    public var rows: Int
    public var compressedBytes: Int
    public var parts: Int
    public var committedAt: String
}

/// The outcome of one probe of `Loader.check()`.
public struct CheckResult: Sendable, Hashable {
    public var name: String
    public var ok: Bool
    public var detail: String
}

extension Loader {
    /// The last committed load of every table and partition (or of `table`), newest first.
    public func history(table: TableRef? = nil, limit: Int = 100) async throws -> [LedgerEntry] {
        let connection = try await connect()
        do {
            let entries = try await history(table: table, limit: limit, on: connection)
            await connection.close()
            return entries
        } catch {
            await connection.close()
            throw error
        }
    }

    private func history(table: TableRef?, limit: Int, on connection: any WarehouseSession) async throws
        -> [LedgerEntry]
    {
        let ledger = options.ledger.sql(dialect)
        let exists = dialect.tableColumns(ledger.table)
        guard try await !connection.execute(exists.sql, exists.parameters).rows.isEmpty else { return [] }
        let query = ledger.newestLoads(of: table?.tableName, limit: limit)
        return try await connection.execute(query.sql, query.parameters).rows.map { row in
            LedgerEntry(
                loadID: row[0] ?? "", table: row[1] ?? "", partition: row[2] ?? "", mode: row[3] ?? "",
                rows: Int(row[4] ?? "") ?? 0, compressedBytes: Int(row[5] ?? "") ?? 0,
                parts: Int(row[6] ?? "") ?? 0, committedAt: row[7] ?? "")
        }
    }

    /// Connects to the warehouse and writes, reads back and deletes a small object in the stage;
    /// each probe says what it found, so a failing setup explains itself.
    public func check() async -> [CheckResult] {
        var results: [CheckResult] = []
        do {
            let connection = try await connect()
            let version = try await connection.execute(dialect.serverVersion).scalar ?? ""
            results.append(CheckResult(name: "warehouse", ok: true, detail: "\(connection.endpoint): \(version)"))
            await connection.close()
        } catch {
            results.append(CheckResult(name: "warehouse", ok: false, detail: "\(error)"))
        }
        let key = [options.stagePrefix, "_check", LoadID.make().rawValue].filter { !$0.isEmpty }.joined(separator: "/")
        let probe = Array("stevedore check \(key)\n".utf8)
        do {
            try await stage.put(key, body: .bytes(probe))
            let back = try await stage.getBytes(key)
            try await stage.delete(key)
            results.append(
                CheckResult(
                    name: "stage", ok: back == probe,
                    detail: back == probe
                        ? "\(stage.location): wrote, read back and deleted \(key)"
                        : "\(stage.location): read back different bytes from \(key)"))
        } catch {
            results.append(CheckResult(name: "stage", ok: false, detail: "\(error)"))
        }
        return results
    }
}
