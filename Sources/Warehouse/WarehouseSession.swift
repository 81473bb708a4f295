/// A session with a warehouse as the loader uses it: statements with bind parameters, transactions,
/// and COPY in both directions. `Connection` (libpq) is the live one; a test about the SQL a load
/// sends gives the loader a scripted session instead, and needs no server (as hummingbird's
/// `.router` test mode stands beside `.live`).
public protocol WarehouseSession: Sendable {
    /// The server and role, safe to print.
    var endpoint: Connection.Endpoint { get }
    /// True until the session is closed or broken.
    var isOpen: Bool { get async }
    /// One statement, its values as bind parameters (`$1`, …; nil is NULL).
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?]) async throws -> QueryResult
    /// Opens a transaction block.
    func begin() async throws
    /// Commits the open transaction; throws `transactionRolledBack` if the server rolled it back.
    func commit() async throws
    /// Rolls the open transaction back.
    func rollback() async throws
    /// Runs `sql` (a `COPY … FROM STDIN`) with `body` streaming the data; returns the rows copied.
    /// When `body` throws, the COPY is aborted and the error rethrown.
    func copyIn(_ sql: String, isolation: isolated (any Actor)?, body: (CopyInWriter) async throws -> Void)
        async throws -> Int
    /// Runs `sql` (a `COPY … TO STDOUT`) and hands its data to `body` in chunks ending on row
    /// boundaries; returns the rows.
    func copyOut(
        _ sql: String, chunkSize: Int, isolation: isolated (any Actor)?, body: ([UInt8]) async throws -> Void
    ) async throws -> Int
    /// Runs `body` inside BEGIN … COMMIT; any error it throws rolls the transaction back.
    func transaction<T>(isolation: isolated (any Actor)?, body: (any WarehouseSession) async throws -> T)
        async throws -> T
    /// Ends the session.
    func close() async
}

extension WarehouseSession {
    /// `statement`, its parameters bound.
    @discardableResult
    public func execute(_ statement: SQLStatement) async throws -> QueryResult {
        try await execute(statement.sql, statement.parameters)
    }

    public func copyIn(
        _ sql: String, isolation: isolated (any Actor)? = #isolation, _ body: (CopyInWriter) async throws -> Void
    ) async throws -> Int {
        try await copyIn(sql, isolation: isolation, body: body)
    }

    public func copyOut(
        _ sql: String, chunkSize: Int = 256 * 1024, isolation: isolated (any Actor)? = #isolation,
        _ body: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        try await copyOut(sql, chunkSize: chunkSize, isolation: isolation, body: body)
    }

    public func transaction<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (any WarehouseSession) async throws -> T
    ) async throws -> T {
        try await transaction(isolation: isolation, body: body)
    }

    /// Runs `statements` (the idempotent DDL of `table`) in one transaction unless `table` exists.
    /// Concurrent first callers are serialized by an advisory lock on `lockName` where the dialect
    /// has advisory locks; elsewhere (Redshift, whose `LOCK` needs the table) the DDL's own
    /// `IF NOT EXISTS` has to do.
    public func createIfMissing(
        _ table: TableName, dialect: any Dialect, lockName: String, statements: [String],
        isolation: isolated (any Actor)? = #isolation
    ) async throws {
        if try await !execute(dialect.tableColumns(table)).rows.isEmpty { return }
        try await transaction(isolation: isolation) { session in
            if let locks = dialect.advisoryLocks {
                try await session.execute(locks.transactionLock(lockName, shared: false))
            }
            for statement in statements {
                try await session.execute(statement, [])
            }
        }
    }
}
