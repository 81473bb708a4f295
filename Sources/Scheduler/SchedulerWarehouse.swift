import Foundation
import Logging
import Stevedore
import Warehouse

/// The scheduler's own session with a warehouse: it reads the ledger (what is loaded), writes the
/// attempts table, and holds the per job+partition locks that keep several service instances from
/// loading one partition at once. Reconnects on the next call after the connection was lost.
public actor SchedulerWarehouse {
    public let connectionString: String
    private let login: DatabaseLoginProvider?
    public let dialect: any Dialect
    public let attempts: AttemptLog
    private let logger: Logger
    private var connection: Connection?
    private var connecting: Task<Connection, any Error>?
    private var attemptsTableReady = false
    private var warnedNoLocks = false
    /// The partition locks this session holds, by name.
    private var heldLocks: Set<String> = []

    /// `login` hands out the user and password of each connection when the URL asks for temporary
    /// credentials (a `RefreshingLogin`'s provider: fetched again before they expire).
    public init(
        connectionString: String, dialect: any Dialect, ledger: LoadLedger = LoadLedger(), logger: Logger,
        login: DatabaseLoginProvider? = nil
    ) {
        self.connectionString = connectionString
        self.login = login
        self.dialect = dialect
        self.attempts = AttemptLog(ledger: ledger)
        self.logger = logger
    }

    /// Closes the session; every lock it held is released with it.
    public func close() async {
        await connection?.close()
        connection = nil
    }

    /// The session, connecting once however many callers ask at the same time.
    private func session() async throws -> Connection {
        if let connection, await connection.isOpen { return connection }
        if let connecting { return try await connecting.value }
        if connection != nil && !heldLocks.isEmpty {
            logger.warning(
                """
                the scheduler's session was lost, and with it \(heldLocks.count) partition lock(s); \
                the loads in flight still check the ledger under their own lock
                """)
        }
        connection = nil
        heldLocks.removeAll()
        let connectionString = self.connectionString
        let login = self.login
        let logger = self.logger
        let setup = dialect.sessionSetup
        let task = Task {
            let connection = try await Connection.connect(
                connectionString, login: try await login?.login(), logger: logger)
            for statement in setup { try await connection.execute(statement.sql, statement.parameters) }
            return connection
        }
        connecting = task
        defer { connecting = nil }
        let connection = try await task.value
        self.connection = connection
        return connection
    }

    /// Runs one statement on the session. It runs in a task of its own, so a caller's cancellation
    /// never sends the server a cancel that could hit another caller's statement on this session.
    private func run(_ statement: SQLStatement) async throws -> QueryResult {
        let connection = try await session()
        do {
            return try await Task { try await connection.execute(statement.sql, statement.parameters) }.value
        } catch {
            if await !connection.isOpen, self.connection === connection { self.connection = nil }
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
        let ledger = attempts.ledger.sql(dialect)
        guard try await exists(ledger.table) else { return [:] }
        // load_id, table, partition_key, mode, row_count, compressed_bytes, part_count, committed_at
        let result = try await run(ledger.newestLoads(of: table.tableName))
        var loads: [String: (rows: Int, committedAt: String)] = [:]
        for row in result.rows {
            loads[row[2] ?? ""] = (Int(row[4] ?? "") ?? 0, row[7] ?? "")
        }
        return loads
    }

    /// Whether the ledger holds a committed load of `partition` of `table`: the one-partition
    /// question a load asks after taking its lock (not the whole table's `lastLoads`).
    public func isLoaded(_ table: TableRef, partition: PartitionSpec) async throws -> Bool {
        let ledger = attempts.ledger
        guard try await exists(ledger.table) else { return false }
        return try await run(ledger.lastChecksum(table: table, partition: partition, dialect: dialect)).scalar != nil
    }

    // MARK: attempts

    /// Records one attempt, creating the attempts table the first time.
    public func record(_ attempt: AttemptLog.Attempt, table: TableRef) async throws {
        if !attemptsTableReady {
            if try await !exists(attempts.table) {
                // On a connection of its own: a transaction on the shared session would take in
                // whatever other tasks run on it meanwhile.
                let connection = try await Connection.connect(
                    connectionString, login: try await login?.login(), logger: logger)
                defer { Task { await connection.close() } }
                try await connection.createIfMissing(
                    attempts.table, dialect: dialect,
                    lockName: "stevedore attempts \(attempts.table)",
                    statements: attempts.createStatements(for: dialect))
            }
            // A table an older version made lacks the newer columns: they are added, nullable.
            let columns = Set(try await run(dialect.tableColumns(attempts.table)).rows.compactMap { $0.first ?? nil })
            for added in attempts.sql(dialect).addedColumns where !columns.contains(added.name) {
                _ = try await run(added.statement)
            }
            attemptsTableReady = true
        }
        _ = try await run(attempts.insert(attempt, table: table, dialect: dialect))
    }

    /// The newest attempt of each partition of `job` (cancelled ones aside); none when the table
    /// does not exist yet.
    public func latestAttempts(of job: String) async throws -> [String: AttemptLog.Attempt] {
        guard try await exists(attempts.table) else { return [:] }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var latest: [String: AttemptLog.Attempt] = [:]
        for row in try await run(attempts.sql(dialect).latest(job: job)).rows {
            let attempt = AttemptLog.Attempt(
                job: job, partition: row[0] ?? "", attempt: Int(row[1] ?? "") ?? 0,
                outcome: AttemptLog.Outcome(rawValue: row[2] ?? "") ?? .failed, loadID: row[3],
                rows: row[4].flatMap { Int($0) }, error: row[5], instance: row[6] ?? "",
                startedAt: row[7].flatMap(parser.date(from:)) ?? .distantPast,
                finishedAt: row[8].flatMap(parser.date(from:)) ?? .distantPast)
            latest[attempt.partition] = attempt
        }
        return latest
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
        guard let locks = dialect.advisoryLocks else {
            if !warnedNoLocks {
                warnedNoLocks = true
                logger.warning("\(dialect.name) has no advisory locks: run one scheduler instance per warehouse")
            }
            return true
        }
        let name = Self.lockName(job: job, table: table, partition: partition)
        let result = try await run(locks.trySessionLock(name))
        guard result.scalar == "t" else { return false }
        heldLocks.insert(name)
        return true
    }

    /// Releases a lock `tryLock` took.
    public func unlock(job: String, table: TableRef, partition: String) async {
        let name = Self.lockName(job: job, table: table, partition: partition)
        // A lock the session no longer holds (it was lost with a connection) needs no release.
        guard let locks = dialect.advisoryLocks, heldLocks.remove(name) != nil else { return }
        do {
            _ = try await run(locks.sessionUnlock(name))
        } catch {
            logger.warning("could not release the lock of \(job) \(partition): \(error)")
        }
    }
}
