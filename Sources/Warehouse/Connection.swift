import Blocking
internal import CLibPQ
import Foundation
import Logging

/// One session with PostgreSQL or Redshift over libpq: statements with bind parameters,
/// transactions, and streaming COPY in both directions.
///
/// Every libpq call runs on the connection's `SerialLane` (its actor executor) on the threads of a
/// `BlockingPool`, never on Swift's cooperative pool. A connection runs one statement at a time;
/// share it only in sequence.
///
///     let connection = try await Connection.connect("postgres://loader@db/warehouse")
///     let result = try await connection.execute("SELECT count(*) FROM sales WHERE day = $1", ["2026-11-20"])
public actor Connection {
    /// What the connection is in the middle of, to refuse calls that do not fit.
    enum Activity {
        case idle
        case copyIn
        case copyOut
    }

    /// The server and role of a session, safe to print (it holds no password).
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: String
        public var database: String
        public var user: String
        public var description: String { "\(user)@\(host):\(port)/\(database)" }

        public init(host: String, port: String, database: String, user: String) {
            self.host = host
            self.port = port
            self.database = database
            self.user = user
        }
    }

    /// Where the server stands with respect to a transaction block.
    public enum TransactionStatus: Sendable, Hashable {
        case idle, active, inTransaction, failed, unknown
    }

    let lane: SerialLane
    /// Where the lane runs, and where cancel requests are sent from.
    let pool: BlockingPool
    private let connection: LibPQHandle
    /// The `PGconn`; nil once closed.
    var handle: OpaquePointer? { connection.pointer }
    let canceller: QueryCanceller
    private let notices: NoticeRouter
    let secrets: ConnectionSecrets
    var activity: Activity = .idle
    public nonisolated let logger: Logger
    public nonisolated let endpoint: Endpoint

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        lane.asUnownedSerialExecutor()
    }

    private init(
        connection: LibPQHandle, lane: SerialLane, pool: BlockingPool, secrets: ConnectionSecrets, logger: Logger
    ) {
        let handle = connection.opened
        self.connection = connection
        self.lane = lane
        self.pool = pool
        self.secrets = secrets
        self.canceller = QueryCanceller(connection: handle)
        self.endpoint = Endpoint(
            host: PQhost(handle).map { String(cString: $0) } ?? "",
            port: PQport(handle).map { String(cString: $0) } ?? "",
            database: PQdb(handle).map { String(cString: $0) } ?? "",
            user: PQuser(handle).map { String(cString: $0) } ?? "")
        var logger = logger
        logger[metadataKey: "warehouse"] = "\(endpoint)"
        self.logger = logger
        self.notices = NoticeRouter(logger: logger)
        notices.install(on: handle)
    }

    deinit {
        canceller.invalidate()
        connection.finish()
    }

    /// Opens a session. `connectionString` is anything libpq accepts: `key=value` pairs or a
    /// `postgres://` URI; what it leaves out comes from libpq's `PG*` environment variables and
    /// `~/.pgpass`, so an empty string connects the way `psql` with no arguments would.
    /// A connection timeout of 10 seconds applies unless the string or `PGCONNECT_TIMEOUT` sets one.
    /// `login` (fetched temporary credentials) replaces the string's user and password.
    /// Its libpq calls run on `pool`'s threads.
    public static func connect(
        _ connectionString: String = "",
        login: DatabaseLogin? = nil,
        logger: Logger = Logger(label: "stevedore.warehouse"),
        pool: BlockingPool = .shared
    ) async throws -> Connection {
        var found = try ConnectionSecrets(connectionString: connectionString)
        if let login { found.add(login.password) }
        let secrets = found
        let lane = SerialLane(pool: pool)
        var keywords: [String?] = []
        var values: [String?] = []
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            keywords.append("connect_timeout")
            values.append("10")
        }
        keywords += ["dbname", "client_encoding", "fallback_application_name"]
        values += [connectionString, "UTF8", "stevedore"]
        if let login {
            // After the expanded `dbname`: libpq takes a keyword's last value.
            keywords += ["user", "password"]
            values += [login.user, login.password]
        }
        keywords.append(nil)
        values.append(nil)
        let opened = try await lane.run { [keywords, values] () -> Result<LibPQHandle, WarehouseError> in
            let connection = withCStringArray(keywords) { keywords in
                withCStringArray(values) { values in PQconnectdbParams(keywords, values, 1) }
            }
            guard let connection else {
                return .failure(WarehouseError(code: .connectionFailed, message: "libpq: out of memory"))
            }
            guard PQstatus(connection) == CONNECTION_OK else {
                let message = secrets.scrub(
                    PQerrorMessage(connection).map { String(cString: $0) }?.trimmingTrailingNewlines() ?? "")
                PQfinish(connection)
                return .failure(Self.connectError(message))
            }
            return .success(LibPQHandle(connection))
        }
        switch opened {
        case .failure(let error):
            throw error
        case .success(let connection):
            let result = Connection(connection: connection, lane: lane, pool: pool, secrets: secrets, logger: logger)
            result.logger.debug("connected")
            return result
        }
    }

    private static func connectError(_ message: String) -> WarehouseError {
        let authentication = [
            "password authentication failed", "no password supplied",
            "authentication failed", "role \"", "pg_hba.conf",
        ]
        if authentication.contains(where: { message.contains($0) }) {
            return WarehouseError(code: .authenticationFailed, message: message, sqlState: "28P01")
        }
        return WarehouseError(code: .connectionFailed, message: message)
    }

    /// Ends the session. Later calls fail with `invalidState`.
    public func close() {
        guard handle != nil else { return }
        canceller.invalidate()
        connection.finish()
        activity = .idle
        logger.debug("closed")
    }

    /// True until `close()` or a broken connection.
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server's process id for this session (what `pg_terminate_backend` takes).
    public var backendPID: Int32 {
        handle.map { PQbackendPID($0) } ?? 0
    }

    /// The server version as a number, e.g. 150018 for 15.18.
    public var serverVersion: Int {
        handle.map { Int(PQserverVersion($0)) } ?? 0
    }

    public var transactionStatus: TransactionStatus {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failed
        default: return .unknown
        }
    }

    // MARK: Statements

    /// Runs one statement with its values as bind parameters (`$1`, `$2`, …; `nil` is NULL), so no
    /// value is ever spliced into SQL. Cancelling the calling task cancels the statement.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) async throws -> QueryResult {
        try readyHandle(for: sql)
        try Self.checkSendable(sql, parameters)
        let result = try await cancellable(sql) { pointer in
            withCStringArray(parameters) { values in
                PQexecParams(pointer, sql, Int32(values.count), nil, values, nil, nil, 0)
            }
        }
        return try checked(result, sql).queryResult()
    }

    /// Runs trusted SQL text that may hold several statements (a schema file from `sql/`), with no
    /// parameters. Never pass it text built from user input: use `execute(_:_:)`.
    public func executeScript(_ sql: String) async throws {
        try readyHandle(for: sql)
        try Self.checkSendable(sql, [])
        let result = try await cancellable(sql) { pointer in PQexec(pointer, sql) }
        try checked(result, sql)
    }

    // MARK: Internals shared with the COPY and transaction extensions

    /// The open handle, when the connection is free for a new statement.
    @discardableResult
    func readyHandle(for sql: String?) throws -> OpaquePointer {
        guard let handle else {
            throw WarehouseError(code: .invalidState, message: "the connection is closed", statement: sql)
        }
        guard activity == .idle else {
            throw WarehouseError(
                code: .invalidState,
                message: "the connection is busy with a COPY; finish it first", statement: sql)
        }
        return handle
    }

    static func checkSendable(_ sql: String, _ parameters: [String?]) throws {
        if sql.utf8.contains(0) {
            throw WarehouseError(code: .invalidRequest, message: "the statement contains a NUL byte")
        }
        for (index, value) in parameters.enumerated() where value?.utf8.contains(0) == true {
            throw WarehouseError(
                code: .invalidRequest,
                message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                statement: sql)
        }
    }

    /// Runs a blocking libpq call on the connection's lane (explicitly, whatever executor the
    /// awaiting code runs on), so that cancelling the task sends the server a cancel request.
    func cancellable(_ sql: String, _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?) async throws
        -> ServerResult?
    {
        let cancelled = WarehouseError(code: .cancelled, message: "cancelled before it started", statement: sql)
        if Task.isCancelled { throw cancelled }
        let canceller = self.canceller
        let libpq = self.connection
        let lane = self.lane
        let pool = self.pool
        canceller.prepare()
        let outcome: ServerResult?? = try await withTaskCancellationHandler {
            try await lane.run { () -> ServerResult?? in
                // A cancellation that landed before the call started found nothing to cancel.
                guard canceller.start() else {
                    canceller.finish()
                    return .none
                }
                defer { canceller.finish() }
                guard let pointer = libpq.pointer else { return .some(nil) }
                return .some(call(pointer).map(ServerResult.init))
            }
        } onCancel: {
            canceller.cancelRunning(on: pool)
        }
        guard let result = outcome else { throw cancelled }
        return result
    }

    /// Turns a statement's result into a value or an error; cleans up a COPY that `execute` started.
    @discardableResult
    func checked(_ result: ServerResult?, _ sql: String) throws -> ServerResult {
        guard let result else {
            throw connectionError(sql)
        }
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_COPY_IN, PGRES_COPY_OUT:
            abandonCopy(
                result.status == PGRES_COPY_IN ? .copyIn : .copyOut,
                reason: "COPY must go through copyIn or copyOut")
            throw WarehouseError(
                code: .invalidRequest,
                message: "COPY cannot run through execute; use copyIn or copyOut", statement: sql)
        default:
            if let handle, PQstatus(handle) != CONNECTION_OK {
                throw connectionError(sql)
            }
            var error = result.error(statement: sql, redact: secrets.scrub)
            if error.sqlState == "57014" && Task.isCancelled {
                error.code = .cancelled
            }
            throw error
        }
    }

    /// The error for a connection that broke or could not answer.
    func connectionError(_ sql: String?) -> WarehouseError {
        let message = handle.flatMap { PQerrorMessage($0) }.map { String(cString: $0) }?.trimmingTrailingNewlines()
        return WarehouseError(
            code: .connectionLost,
            message: secrets.scrub(message?.isEmpty == false ? message! : "the connection to the server was lost"),
            statement: sql)
    }
}

extension Connection {
    /// True when running on the connection's lane.
    func isOnOwnThread() -> Bool {
        lane.isCurrent
    }
}

extension Connection: WarehouseSession {
    public func copyIn(_ sql: String, isolation: isolated (any Actor)?, body: (CopyInWriter) async throws -> Void)
        async throws -> Int
    {
        try await copyIn(sql, isolation: isolation, body)
    }

    public func copyOut(
        _ sql: String, chunkSize: Int, isolation: isolated (any Actor)?, body: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        try await copyOut(sql, chunkSize: chunkSize, isolation: isolation, body)
    }

    public func transaction<T>(isolation: isolated (any Actor)?, body: (any WarehouseSession) async throws -> T)
        async throws -> T
    {
        try await transaction(isolation: isolation) { (connection: Connection) in try await body(connection) }
    }
}
