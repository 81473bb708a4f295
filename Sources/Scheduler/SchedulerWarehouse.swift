import Foundation
import Logging
import Stevedore
import Warehouse

/// The scheduler's own session with a warehouse: it reads the ledger (what is loaded), writes the
/// attempts table, and holds the per job+partition locks that keep several service instances from
/// loading one partition at once. Reconnects on the next call after the connection was lost.
public actor SchedulerWarehouse {
    public let connectionString: String
    public let dialect: any Dialect
    public let attempts: AttemptLog
    private let logger: Logger
    private var connection: Connection?
    private var attemptsTableReady = false
    private var warnedNoLocks = false

    public init(connectionString: String, dialect: any Dialect, ledger: LoadLedger = LoadLedger(), logger: Logger) {
        self.connectionString = connectionString
        self.dialect = dialect
        self.attempts = AttemptLog(ledger: ledger)
        self.logger = logger
    }

    /// Closes the session; every lock it held is released with it.
    public func close() async {
        await connection?.close()
        connection = nil
    }

    private func session() async throws -> Connection {
        if let connection, await connection.isOpen { return connection }
        let connection = try await Connection.connect(connectionString, logger: logger)
        if dialect is PostgresDialect { try await connection.execute("SET TimeZone = 'UTC'") }
        self.connection = connection
        attemptsTableReady = false
        return connection
    }

    /// Runs one statement, dropping the session when the connection broke (the next call reconnects).
    private func run(_ statement: SQLStatement) async throws -> QueryResult {
        let connection = try await session()
        do {
            return try await connection.execute(statement.sql, statement.parameters)
        } catch {
            if await !connection.isOpen { self.connection = nil }
            throw error
        }
    }

    private func exists(_ table: TableName) async throws -> Bool {
        let check = dialect.tableColumns(table)
        return try await !run(check).rows.isEmpty
    }

    // MARK: ledger

    /// The last committed load of each partition of `table`, by the ledger's partition label.
    public func lastLoads(of table: TableRef) async throws -> [String: (rows: Int, committedAt: String)] {
        let ledger = attempts.ledger
        guard try await exists(ledger.table) else { return [:] }
        let result = try await run(SQLStatement(
            "SELECT partition_key, row_count, to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                + "FROM (SELECT partition_key, row_count, committed_at, ROW_NUMBER() OVER (PARTITION BY partition_key "
                + "ORDER BY committed_at DESC, load_id DESC) AS newest FROM \(ledger.table.quoted) "
                + "WHERE table_schema = $1 AND table_name = $2) AS loads WHERE newest = 1",
            [table.schema, table.table]))
        var loads: [String: (rows: Int, committedAt: String)] = [:]
        for row in result.rows {
            loads[row[0] ?? ""] = (Int(row[1] ?? "") ?? 0, row[2] ?? "")
        }
        return loads
    }

    // MARK: attempts

    /// Records one attempt, creating the attempts table the first time.
    public func record(_ attempt: AttemptLog.Attempt, table: TableRef) async throws {
        if !attemptsTableReady {
            if try await !exists(attempts.table) {
                let connection = try await session()
                try await connection.transaction { connection in
                    if !(dialect is RedshiftDialect) {
                        let lock = dialect.lock(attempts.table, lockName: "stevedore attempts \(attempts.table)")
                        try await connection.execute(lock.sql, lock.parameters)
                    }
                    for statement in attempts.createStatements(for: dialect) {
                        try await connection.execute(statement)
                    }
                }
            }
            attemptsTableReady = true
        }
        _ = try await run(attempts.insert(attempt, table: table))
    }

    /// Every attempt of `job`, oldest first; none when the table does not exist yet.
    public func attempts(of job: String) async throws -> [AttemptLog.Attempt] {
        guard try await exists(attempts.table) else { return [] }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return try await run(attempts.select(job: job)).rows.map { row in
            AttemptLog.Attempt(
                job: job, partition: row[0] ?? "", attempt: Int(row[1] ?? "") ?? 0,
                outcome: AttemptLog.Outcome(rawValue: row[2] ?? "") ?? .failed, loadID: row[3],
                rows: row[4].flatMap { Int($0) }, error: row[5], instance: row[6] ?? "",
                startedAt: row[7].flatMap(parser.date(from:)) ?? .distantPast,
                finishedAt: row[8].flatMap(parser.date(from:)) ?? .distantPast)
        }
    }

    // MARK: partition locks

    /// The lock's name: the job, its table and the partition key.
    static func lockName(job: String, table: TableRef, partition: String) -> String {
        "stevedore job \(job) \(table)/\(partition)"
    }

    /// Takes the lock of `job`+`partition` for this session without waiting; false when another
    /// session (another service instance) holds it. On PostgreSQL an advisory session lock, released
    /// by `unlock` or when the session ends (even if the process is killed). Redshift has no advisory
    /// locks: there it is always granted, so run one instance per Redshift warehouse (its loads of one
    /// table still serialize on the table lock, and the ledger check makes a second load a no-op).
    public func tryLock(job: String, table: TableRef, partition: String) async throws -> Bool {
        guard dialect is PostgresDialect else {
            if !warnedNoLocks {
                warnedNoLocks = true
                logger.warning("\(dialect.name) has no advisory locks: run one scheduler instance per warehouse")
            }
            return true
        }
        let result = try await run(SQLStatement("SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                                                [Self.lockName(job: job, table: table, partition: partition)]))
        return result.scalar == "t"
    }

    /// Releases a lock `tryLock` took.
    public func unlock(job: String, table: TableRef, partition: String) async {
        guard dialect is PostgresDialect else { return }
        do {
            _ = try await run(SQLStatement("SELECT pg_advisory_unlock(hashtextextended($1, 0))",
                                           [Self.lockName(job: job, table: table, partition: partition)]))
        } catch {
            logger.warning("could not release the lock of \(job) \(partition): \(error)")
        }
    }
}
