import Warehouse

/// The load ledger: one row per committed load, written in the load's own transaction, in
/// `<schema>.load_history` (schema `stevedore` unless configured). The scheduler reads what is due
/// from it, and `skipUnchanged` compares content checksums with it. `sql/ledger.<dialect>.sql`
/// holds the same DDL for the default schema.
public struct LoadLedger: Sendable, Hashable {
    public var schema: String
    public static let tableName = "load_history"

    public init(schema: String = "stevedore") {
        self.schema = schema
    }

    public var table: TableName { TableName(schema: schema, table: Self.tableName) }

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
    }

    /// The DDL that creates the ledger (idempotent), for `dialect`.
    public func createStatements(for dialect: any Dialect) -> [String] {
        let redshift = dialect.name == "redshift"
        let text = redshift ? "VARCHAR(65535)" : "text"
        let json = redshift ? "VARCHAR(65535)" : "jsonb"
        let time = redshift ? "TIMESTAMPTZ" : "timestamptz"
        let now = redshift ? "SYSDATE" : "now()"
        var statements = [
            "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))",
            """
            CREATE TABLE IF NOT EXISTS \(table.quoted) (
                load_id \(redshift ? "VARCHAR(64)" : "text") NOT NULL PRIMARY KEY,
                table_schema \(redshift ? "VARCHAR(127)" : "text") NOT NULL,
                table_name \(redshift ? "VARCHAR(127)" : "text") NOT NULL,
                partition_key \(text) NOT NULL,
                partition_json \(json),
                mode \(redshift ? "VARCHAR(256)" : "text") NOT NULL,
                row_count BIGINT NOT NULL,
                uncompressed_bytes BIGINT NOT NULL,
                compressed_bytes BIGINT NOT NULL,
                part_count INTEGER NOT NULL,
                stage_prefix \(text) NOT NULL,
                content_sha256 \(redshift ? "CHAR(64)" : "text") NOT NULL,
                started_at \(time) NOT NULL,
                committed_at \(time) NOT NULL DEFAULT \(now),
                loader_version \(redshift ? "VARCHAR(32)" : "text") NOT NULL
            )
            """,
        ]
        if !redshift {
            statements.append("""
                CREATE INDEX IF NOT EXISTS load_history_target
                    ON \(table.quoted) (table_schema, table_name, partition_key, committed_at)
                """)
        }
        return statements
    }

    /// The INSERT of one record, values as parameters.
    func insert(_ record: Record, dialect: any Dialect) -> SQLStatement {
        let redshift = dialect.name == "redshift"
        let jsonCast = redshift ? "$5" : "CAST($5 AS jsonb)"
        let timeCast = redshift ? "CAST($13 AS TIMESTAMPTZ)" : "CAST($13 AS timestamptz)"
        // The time of this statement, late in the transaction (now() and SYSDATE give its start).
        let committed = redshift ? "GETDATE()" : "clock_timestamp()"
        return SQLStatement(
            "INSERT INTO \(table.quoted) (load_id, table_schema, table_name, partition_key, partition_json, mode, "
                + "row_count, uncompressed_bytes, compressed_bytes, part_count, stage_prefix, content_sha256, "
                + "started_at, committed_at, loader_version) VALUES ($1, $2, $3, $4, \(jsonCast), $6, $7, $8, $9, $10, "
                + "$11, $12, \(timeCast), \(committed), $14)",
            [record.loadID.rawValue, record.table.schema, record.table.table, record.partition?.label ?? "",
             record.partition?.json, record.mode.description, String(record.rows), String(record.uncompressedBytes),
             String(record.compressedBytes), String(record.parts), record.stagePrefix, record.contentSHA256,
             record.startedAt, StevedoreVersion.current])
    }

    /// The content checksum of the last committed load of `table` and `partition` (no row: never loaded).
    public func lastChecksum(table: TableRef, partition: PartitionSpec?) -> SQLStatement {
        SQLStatement(
            "SELECT content_sha256 FROM \(self.table.quoted) WHERE table_schema = $1 AND table_name = $2 "
                + "AND partition_key = $3 ORDER BY committed_at DESC, load_id DESC LIMIT 1",
            [table.schema, table.table, partition?.label ?? ""])
    }
}
