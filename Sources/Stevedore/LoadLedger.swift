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

    /// One ledger row.
    struct Record: Sendable, Hashable {
        var loadID: LoadID
        var table: TableRef
        var partition: PartitionSpec?
        var mode: WriteMode
        var rows: Int
        var uncompressedBytes: Int
        var compressedBytes: Int
        var parts: Int
        var stagePrefix: String
        var contentSHA256: String
        /// ISO 8601 in UTC.
        var startedAt: String

        /// The row's values as the ledger stores them.
        var row: LedgerSQL.Row {
            LedgerSQL.Row(
                loadID: loadID.rawValue, table: table.tableName, partitionKey: partition?.label ?? "",
                partitionJSON: partition?.json, mode: mode.description, rowCount: rows,
                uncompressedBytes: uncompressedBytes, compressedBytes: compressedBytes, partCount: parts,
                stagePrefix: stagePrefix, contentSHA256: contentSHA256, startedAt: startedAt,
                loaderVersion: StevedoreVersion.current)
        }
    }

    /// The DDL that creates the ledger (idempotent), for `dialect`.
    public func createStatements(for dialect: any Dialect) -> [String] {
        sql(dialect).createStatements
    }

    /// The INSERT of one record, values as parameters.
    func insert(_ record: Record, dialect: any Dialect) -> SQLStatement {
        sql(dialect).insert(record.row)
    }

    /// The content checksum of the last committed load of `table` and `partition` (no row: never loaded).
    public func lastChecksum(table: TableRef, partition: PartitionSpec?, dialect: any Dialect) -> SQLStatement {
        sql(dialect).lastChecksum(of: table.tableName, partitionKey: partition?.label ?? "")
    }
}
