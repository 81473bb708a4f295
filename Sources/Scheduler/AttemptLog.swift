import Foundation
import Stevedore
import Warehouse

/// The attempts table, next to the ledger (`<schema>.load_attempts`): one row per try of a
/// scheduled partition (ok, failed with its error, skipped because unchanged, cancelled at
/// shutdown), with the instance that made it. The ledger says what is loaded; this says what happened.
public struct AttemptLog: Sendable, Hashable {
    public static let tableName = "load_attempts"
    public var ledger: LoadLedger

    public init(ledger: LoadLedger = LoadLedger()) {
        self.ledger = ledger
    }

    public var table: TableName { TableName(schema: ledger.schema, table: Self.tableName) }

    /// How one attempt ended.
    public enum Outcome: String, Sendable, Hashable {
        case ok, failed, skipped, cancelled
    }

    /// One attempt, as recorded.
    public struct Attempt: Sendable, Hashable {
        public var job: String
        public var partition: String
        public var attempt: Int
        public var outcome: Outcome
        public var loadID: String?
        public var rows: Int?
        public var error: String?
        public var instance: String
        public var startedAt: Date
        public var finishedAt: Date
    }

    /// The DDL (idempotent) for `dialect`.
    public func createStatements(for dialect: any Dialect) -> [String] {
        let redshift = dialect.name == "redshift"
        let text = redshift ? "VARCHAR(65535)" : "text"
        let name = redshift ? "VARCHAR(256)" : "text"
        let time = redshift ? "TIMESTAMPTZ" : "timestamptz"
        var statements = [
            "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(ledger.schema))",
            """
            CREATE TABLE IF NOT EXISTS \(table.quoted) (
                job \(name) NOT NULL,
                partition_key \(text) NOT NULL,
                attempt INTEGER NOT NULL,
                outcome \(redshift ? "VARCHAR(16)" : "text") NOT NULL,
                table_schema \(redshift ? "VARCHAR(127)" : "text") NOT NULL,
                table_name \(redshift ? "VARCHAR(127)" : "text") NOT NULL,
                load_id \(redshift ? "VARCHAR(64)" : "text"),
                row_count BIGINT,
                error \(text),
                instance \(name) NOT NULL,
                started_at \(time) NOT NULL,
                finished_at \(time) NOT NULL
            )
            """,
        ]
        if !redshift {
            statements.append("""
                CREATE INDEX IF NOT EXISTS load_attempts_job ON \(table.quoted) (job, partition_key, finished_at)
                """)
        }
        return statements
    }

    /// The INSERT of one attempt, values as parameters; the error is cut to 4,000 characters.
    func insert(_ attempt: Attempt, table target: TableRef) -> SQLStatement {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return SQLStatement(
            "INSERT INTO \(table.quoted) (job, partition_key, attempt, outcome, table_schema, table_name, load_id, "
                + "row_count, error, instance, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                + "CAST($11 AS TIMESTAMPTZ), CAST($12 AS TIMESTAMPTZ))",
            [attempt.job, attempt.partition, String(attempt.attempt), attempt.outcome.rawValue, target.schema,
             target.table, attempt.loadID, attempt.rows.map(String.init), attempt.error.map { String($0.prefix(4000)) },
             attempt.instance, formatter.string(from: attempt.startedAt), formatter.string(from: attempt.finishedAt)])
    }

    /// The newest attempt of each partition of `job`, cancelled ones aside (for status).
    func selectLatest(job: String) -> SQLStatement {
        let time = { (column: String) in
            "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        }
        return SQLStatement(
            "SELECT partition_key, attempt, outcome, load_id, row_count, error, instance, \(time("started_at")), "
                + "\(time("finished_at")) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY partition_key "
                + "ORDER BY finished_at DESC, attempt DESC) AS newest FROM \(table.quoted) "
                + "WHERE job = $1 AND outcome <> 'cancelled') AS attempts WHERE newest = 1",
            [job])
    }
}
