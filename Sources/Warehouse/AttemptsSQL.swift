/// The SQL of the scheduler's attempts table, `<schema>.load_attempts`, next to the ledger: one
/// row per try of a scheduled partition, with how it ended and the instance that made it.
public struct AttemptsSQL: Sendable, Hashable {
    public static let tableName = "load_attempts"
    public let table: TableName
    private let types: BookkeepingTypes

    public init(schema: String, dialect: any Dialect) {
        table = TableName(schema: schema, table: Self.tableName)
        types = dialect.bookkeeping
    }

    /// One attempt's values.
    public struct Row: Sendable, Hashable {
        public var job: String
        public var partitionKey: String
        public var attempt: Int
        public var outcome: String
        public var target: TableName
        public var loadID: String?
        public var rowCount: Int?
        public var error: String?
        public var instance: String
        /// Times the load's transaction ran again after a serializable isolation conflict.
        public var conflictRetries: Int
        /// ISO 8601 with fractional seconds.
        public var startedAt: String
        public var finishedAt: String

        public init(
            job: String, partitionKey: String, attempt: Int, outcome: String, target: TableName,
            loadID: String?, rowCount: Int?, error: String?, instance: String, startedAt: String,
            finishedAt: String, conflictRetries: Int = 0
        ) {
            self.conflictRetries = conflictRetries
            self.job = job
            self.partitionKey = partitionKey
            self.attempt = attempt
            self.outcome = outcome
            self.target = target
            self.loadID = loadID
            self.rowCount = rowCount
            self.error = error
            self.instance = instance
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    /// The DDL (idempotent).
    public var createStatements: [String] {
        var statements = [
            "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))",
            """
            CREATE TABLE IF NOT EXISTS \(table.quoted) (
                job \(types.text(maxBytes: 256)) NOT NULL,
                partition_key \(types.text) NOT NULL,
                attempt INTEGER NOT NULL,
                outcome \(types.text(maxBytes: 16)) NOT NULL,
                table_schema \(types.text(maxBytes: 127)) NOT NULL,
                table_name \(types.text(maxBytes: 127)) NOT NULL,
                load_id \(types.text(maxBytes: 64)),
                row_count BIGINT,
                error \(types.text),
                instance \(types.text(maxBytes: 256)) NOT NULL,
                started_at \(types.timestamp) NOT NULL,
                finished_at \(types.timestamp) NOT NULL,
                conflict_retries INTEGER DEFAULT 0
            )
            """,
        ]
        if types.hasIndexes {
            statements.append(
                """
                CREATE INDEX IF NOT EXISTS load_attempts_job ON \(table.quoted) (job, partition_key, finished_at)
                """)
        }
        return statements
    }

    /// The column an attempts table made before it lacks, and the statement that adds it.
    public var addedColumns: [(name: String, statement: SQLStatement)] {
        [
            (
                "conflict_retries",
                SQLStatement("ALTER TABLE \(table.quoted) ADD COLUMN conflict_retries INTEGER DEFAULT 0")
            )
        ]
    }

    /// The INSERT of one attempt, values as parameters.
    public func insert(_ row: Row) -> SQLStatement {
        SQLStatement(
            "INSERT INTO \(table.quoted) (job, partition_key, attempt, outcome, table_schema, table_name, load_id, "
                + "row_count, error, instance, started_at, finished_at, conflict_retries) VALUES ($1, $2, $3, $4, $5, "
                + "$6, $7, $8, $9, $10, \(types.timestampParameter("$11")), \(types.timestampParameter("$12")), $13)",
            [
                row.job, row.partitionKey, String(row.attempt), row.outcome, row.target.schema, row.target.table,
                row.loadID, row.rowCount.map(String.init), row.error, row.instance, row.startedAt, row.finishedAt,
                String(row.conflictRetries),
            ])
    }

    /// The newest attempt of each partition of `job`, cancelled ones aside: `partition_key`,
    /// `attempt`, `outcome`, `load_id`, `row_count`, `error`, `instance`, `started_at` and
    /// `finished_at` (ISO 8601 in UTC, with microseconds).
    public func latest(job: String) -> SQLStatement {
        SQLStatement(
            "SELECT partition_key, attempt, outcome, load_id, row_count, error, instance, "
                + "\(BookkeepingTypes.utcText("started_at", fraction: true)), "
                + "\(BookkeepingTypes.utcText("finished_at", fraction: true)) FROM (SELECT *, ROW_NUMBER() OVER "
                + "(PARTITION BY partition_key ORDER BY finished_at DESC, attempt DESC) AS newest FROM \(table.quoted) "
                + "WHERE job = $1 AND outcome <> 'cancelled') AS attempts WHERE newest = 1",
            [job])
    }
}
