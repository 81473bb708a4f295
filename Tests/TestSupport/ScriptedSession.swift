import Blocking
import Warehouse

/// A warehouse session with no server behind it: it records every statement and COPY a load sends
/// and answers each statement from `answer` (by default an empty result), for tests about the SQL
/// itself, such as Redshift's, which no server here speaks.
public final class ScriptedSession: WarehouseSession {
    /// One thing the load sent: a statement with its parameters, or a COPY with the bytes it streamed.
    public struct Sent: Sendable, Equatable {
        public var sql: String
        public var parameters: [String?] = []
        public var copied: [UInt8] = []

        public init(sql: String, parameters: [String?] = [], copied: [UInt8] = []) {
            self.sql = sql
            self.parameters = parameters
            self.copied = copied
        }
    }

    private let log = LockedBox<(sent: [Sent], closed: Bool)>(([], false))
    private let answer: @Sendable (_ sql: String, _ parameters: [String?]) throws -> QueryResult
    /// Runs before each statement is answered: what a statement does beside its result (an
    /// UNLOAD's files, say).
    private let effect: @Sendable (_ sql: String) async throws -> Void

    public init(
        answer: @escaping @Sendable (_ sql: String, _ parameters: [String?]) throws -> QueryResult = { _, _ in
            QueryResult()
        },
        effect: @escaping @Sendable (_ sql: String) async throws -> Void = { _ in }
    ) {
        self.effect = effect
        self.answer = answer
    }

    /// Everything sent so far, in order.
    public var sent: [Sent] { log.withLock { $0.sent } }

    public let endpoint = Connection.Endpoint(host: "scripted", port: "0", database: "none", user: "test")

    public var isOpen: Bool { !log.withLock { $0.closed } }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?]) async throws -> QueryResult {
        log.withLock { $0.sent.append(Sent(sql: sql, parameters: parameters)) }
        try await effect(sql)
        return try answer(sql, parameters)
    }

    public func begin() async throws { try await execute("BEGIN", []) }
    public func commit() async throws { try await execute("COMMIT", []) }
    public func rollback() async throws { try await execute("ROLLBACK", []) }

    public func copyIn(_ sql: String, isolation: isolated (any Actor)?, body: (CopyInWriter) async throws -> Void)
        async throws -> Int
    {
        let bytes = LockedBox<[UInt8]>([])
        try await body(CopyInWriter { chunk in bytes.withLock { $0 += chunk } })
        let copied = bytes.withLock { $0 }
        log.withLock { $0.sent.append(Sent(sql: sql, copied: copied)) }
        _ = try answer(sql, [])
        return copied.count { $0 == UInt8(ascii: "\n") }
    }

    public func copyOut(
        _ sql: String, chunkSize: Int, isolation: isolated (any Actor)?, body: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        try await execute(sql, [])
        return 0
    }

    public func transaction<T>(isolation: isolated (any Actor)?, body: (any WarehouseSession) async throws -> T)
        async throws -> T
    {
        try await begin()
        let value: T
        do {
            value = try await body(self)
        } catch {
            try await rollback()
            throw error
        }
        try await commit()
        return value
    }

    public func close() async {
        log.withLock { $0.closed = true }
    }
}
