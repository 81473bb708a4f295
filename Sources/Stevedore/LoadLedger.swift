import Warehouse

/// The load ledger: one row per committed load, written in the load's own transaction, in
/// `<schema>.load_history` (schema `stevedore` unless configured). The scheduler reads what is due
/// from it, and `skipUnchanged` compares content checksums with it. Its SQL is `LedgerSQL`.
public struct LoadLedger: Sendable, Hashable {
    public var schema: String
    public static let tableName = LedgerSQL.tableName

    public init(schema: String = "stevedore") {
        self.schema = schema
    }

    public var table: TableName { TableName(schema: schema, table: Self.tableName) }

    /// The ledger's statements in `dialect`.
    public func sql(_ dialect: any Dialect) -> LedgerSQL {
        LedgerSQL(schema: schema, dialect: dialect)
    }

    /// The ledger row of one load, as the ledger stores it (`startedAt`: ISO 8601 in UTC).
    static func row(
        loadID: LoadID, table: TableRef, partition: PartitionSpec?, mode: WriteMode, rows: Int,
        uncompressedBytes: Int, compressedBytes: Int, parts: Int, stagePrefix: String, contentSHA256: String,
        startedAt: String
    ) -> LedgerSQL.Row {
        LedgerSQL.Row(
            loadID: loadID.rawValue, table: table.tableName, partitionKey: partition?.label ?? "",
            partitionJSON: partition?.json, mode: mode.description, rowCount: rows,
            uncompressedBytes: uncompressedBytes, compressedBytes: compressedBytes, partCount: parts,
            stagePrefix: stagePrefix, contentSHA256: contentSHA256, startedAt: startedAt,
            loaderVersion: StevedoreVersion.current)
    }

    /// The DDL that creates the ledger (idempotent), for `dialect`.
    public func createStatements(for dialect: any Dialect) -> [String] {
        sql(dialect).createStatements
    }

    /// The INSERT of one row, values as parameters.
    func insert(_ row: LedgerSQL.Row, dialect: any Dialect) -> SQLStatement {
        sql(dialect).insert(row)
    }

    /// The content checksum of the last committed load of `table` and `partition` (no row: never loaded).
    public func lastChecksum(table: TableRef, partition: PartitionSpec?, dialect: any Dialect) -> SQLStatement {
        sql(dialect).lastChecksum(of: table.tableName, partitionKey: partition?.label ?? "")
    }
}
