import Foundation
import Stevedore
import Warehouse

/// The attempts table, next to the ledger (`<schema>.load_attempts`): one row per try of a
/// scheduled partition (ok, failed with its error, skipped because unchanged, cancelled at
/// shutdown), with the instance that made it. The ledger says what is loaded; this says what happened.
public struct AttemptLog: Sendable, Hashable {
    public static let tableName = AttemptsSQL.tableName
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
        /// Times the load's transaction ran again after a serializable isolation conflict.
        public var conflictRetries = 0
    }

    /// The attempts table's statements in `dialect`.
    public func sql(_ dialect: any Dialect) -> AttemptsSQL {
        AttemptsSQL(schema: ledger.schema, dialect: dialect)
    }

    /// The DDL (idempotent) for `dialect`.
    public func createStatements(for dialect: any Dialect) -> [String] {
        sql(dialect).createStatements
    }

    /// The INSERT of one attempt, values as parameters; the error is cut to 4,000 characters.
    func insert(_ attempt: Attempt, table target: TableRef, dialect: any Dialect) -> SQLStatement {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return sql(dialect).insert(
            AttemptsSQL.Row(
                job: attempt.job, partitionKey: attempt.partition, attempt: attempt.attempt,
                outcome: attempt.outcome.rawValue, target: target.tableName, loadID: attempt.loadID,
                rowCount: attempt.rows,
                error: attempt.error.map { String($0.prefix(4000)) }, instance: attempt.instance,
                startedAt: formatter.string(from: attempt.startedAt),
                finishedAt: formatter.string(from: attempt.finishedAt), conflictRetries: attempt.conflictRetries))
    }
}
