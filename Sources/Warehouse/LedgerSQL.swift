/// The SQL of the load ledger, `<schema>.load_history`: one row per committed load, written in the
/// load's own transaction. `sql/ledger.<dialect>.sql` holds the same DDL for the default schema.
public struct LedgerSQL: Sendable, Hashable {
    public static let tableName = "load_history"
    public let table: TableName
    private let types: BookkeepingTypes

    public init(schema: String, dialect: any Dialect) {
        table = TableName(schema: schema, table: Self.tableName)
        types = dialect.bookkeeping
    }

    /// One ledger row's values.
    public struct Row: Sendable, Hashable {
        public var loadID: String
        public var table: TableName
        /// The partition's label; empty for a whole-table load.
        public var partitionKey: String
        public var partitionJSON: String?
        public var mode: String
        public var rowCount: Int
        public var uncompressedBytes: Int
        public var compressedBytes: Int
        public var partCount: Int
        public var stagePrefix: String
        public var contentSHA256: String
        /// ISO 8601 in UTC.
        public var startedAt: String
        public var loaderVersion: String

        public init(
            loadID: String, table: TableName, partitionKey: String, partitionJSON: String?, mode: String,
            rowCount: Int, uncompressedBytes: Int, compressedBytes: Int, partCount: Int, stagePrefix: String,
            contentSHA256: String, startedAt: String, loaderVersion: String
        ) {
            self.loadID = loadID
            self.table = table
            self.partitionKey = partitionKey
            self.partitionJSON = partitionJSON
            self.mode = mode
            self.rowCount = rowCount
            self.uncompressedBytes = uncompressedBytes
            self.compressedBytes = compressedBytes
            self.partCount = partCount
            self.stagePrefix = stagePrefix
            self.contentSHA256 = contentSHA256
            self.startedAt = startedAt
            self.loaderVersion = loaderVersion
        }
    }

    /// The DDL that creates the ledger (idempotent).
    public var createStatements: [String] {
        var statements = [
            "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))",
            """
            CREATE TABLE IF NOT EXISTS \(table.quoted) (
                load_id \(types.text(maxBytes: 64)) NOT NULL PRIMARY KEY,
                table_schema \(types.text(maxBytes: 127)) NOT NULL,
                table_name \(types.text(maxBytes: 127)) NOT NULL,
                partition_key \(types.text) NOT NULL,
                partition_json \(types.json),
                mode \(types.text(maxBytes: 256)) NOT NULL,
                row_count BIGINT NOT NULL,
                uncompressed_bytes BIGINT NOT NULL,
                compressed_bytes BIGINT NOT NULL,
                part_count INTEGER NOT NULL,
                stage_prefix \(types.text) NOT NULL,
                content_sha256 \(types.checksum) NOT NULL,
                started_at \(types.timestamp) NOT NULL,
                committed_at \(types.timestamp) NOT NULL DEFAULT \(types.transactionStart),
                loader_version \(types.text(maxBytes: 32)) NOT NULL
            )
            """,
        ]
        if types.hasIndexes {
            statements.append(
                """
                CREATE INDEX IF NOT EXISTS load_history_target
                    ON \(table.quoted) (table_schema, table_name, partition_key, committed_at)
                """)
        }
        return statements
    }

    /// The INSERT of one row, values as parameters; `committed_at` is the statement's time, late
    /// in the transaction (the column default would give its start).
    public func insert(_ row: Row) -> SQLStatement {
        SQLStatement(
            "INSERT INTO \(table.quoted) (load_id, table_schema, table_name, partition_key, partition_json, mode, "
                + "row_count, uncompressed_bytes, compressed_bytes, part_count, stage_prefix, content_sha256, "
                + "started_at, committed_at, loader_version) VALUES ($1, $2, $3, $4, \(types.jsonParameter("$5")), "
                + "$6, $7, $8, $9, $10, $11, $12, \(types.timestampParameter("$13")), \(types.statementTime), $14)",
            [
                row.loadID, row.table.schema, row.table.table, row.partitionKey, row.partitionJSON, row.mode,
                String(row.rowCount), String(row.uncompressedBytes), String(row.compressedBytes), String(row.partCount),
                row.stagePrefix, row.contentSHA256, row.startedAt, row.loaderVersion,
            ])
    }

    /// The content checksum of the last committed load of `target`'s partition `partitionKey`
    /// (empty: the whole table); no row when it was never loaded.
    public func lastChecksum(of target: TableName, partitionKey: String) -> SQLStatement {
        SQLStatement(
            "SELECT content_sha256 FROM \(table.quoted) WHERE table_schema = $1 AND table_name = $2 "
                + "AND partition_key = $3 ORDER BY committed_at DESC, load_id DESC LIMIT 1",
            [target.schema, target.table, partitionKey])
    }

    /// The newest load of each partition of `target` (all tables when nil), newest first, at most
    /// `limit`: `load_id`, `schema.table`, `partition_key`, `mode`, `row_count`,
    /// `compressed_bytes`, `part_count` and `committed_at` (ISO 8601 in UTC).
    public func newestLoads(of target: TableName?, limit: Int? = nil) -> SQLStatement {
        var filter = ""
        var parameters: [String?] = []
        if let target {
            filter = " WHERE table_schema = $1 AND table_name = $2"
            parameters = [target.schema, target.table]
        }
        return SQLStatement(
            "SELECT load_id, table_schema || '.' || table_name, partition_key, mode, row_count, compressed_bytes, "
                + "part_count, \(BookkeepingTypes.utcText("committed_at")) "
                + "FROM (SELECT *, row_number() OVER (PARTITION BY table_schema, table_name, partition_key "
                + "ORDER BY committed_at DESC, load_id DESC) AS newest FROM \(table.quoted)\(filter)) AS h "
                + "WHERE newest = 1 ORDER BY committed_at DESC, load_id DESC"
                + (limit.map { " LIMIT \(max(1, $0))" } ?? ""),
            parameters)
    }

    /// Which of `loadIDs` (at most 500) the ledger holds: one `load_id` a row.
    public func committed(among loadIDs: [String]) -> SQLStatement {
        let placeholders = loadIDs.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        return SQLStatement("SELECT load_id FROM \(table.quoted) WHERE load_id IN (\(placeholders))", loadIDs)
    }
}
