/// How a warehouse's COPY moves a load's rows, with the statements of that route.
public enum CopyRoute: Sendable {
    /// Through this client: each staged part streams into `COPY … FROM STDIN`, and rows load back
    /// from `COPY … TO STDOUT` (PostgreSQL).
    case client(any ClientCopySQL)
    /// Between the warehouse and the stage directly: `COPY … FROM` a manifest of staged parts, and
    /// `UNLOAD` into the stage (Redshift).
    case stage(any StageCopySQL)
}

/// The statements of a COPY that streams through this client.
public protocol ClientCopySQL: Sendable {
    /// `COPY table (cols) FROM STDIN`, as CSV with the dialect's NULL, or in the binary format.
    func copyFromStdin(_ table: TableName, columns: [String], binary: Bool) -> String
    /// `COPY (query) TO STDOUT` as CSV, or in the binary format (each column type's send format);
    /// `query` is trusted SQL text with no bind parameters.
    func copyToStdout(_ query: String, binary: Bool) -> String
    /// `statement` for a context that takes no bind parameters, its values set as session settings
    /// by `settings` (run first, in the same transaction).
    func settingsForm(_ statement: SQLStatement) -> (settings: SQLStatement, sql: String)
    /// The kind of the relation `table` names, as one row; no row when there is none.
    func relationKind(_ table: TableName) -> SQLStatement
    /// Whether `readLock` can lock a relation of this kind.
    func readLocks(relationKind: String) -> Bool
    /// The lock a read takes first in its transaction, so it waits for a load's DDL to commit.
    func readLock(_ table: TableName) -> SQLStatement
}

/// The statements of a COPY and an UNLOAD that the warehouse runs against the stage itself.
public protocol StageCopySQL: Sendable {
    /// `COPY table (cols) FROM '<manifest URL>' …` of staged gzip CSV parts.
    func copyFromManifest(
        _ table: TableName, columns: [String], manifestURL: String,
        authorization: RedshiftAuthorization, region: String?
    ) throws -> String
    /// The COPY as `plan` shows it before anything is staged.
    func copyFromManifestOutline(_ table: TableName) -> String
    /// The number of slices the COPY spreads the parts over, as one row of one column; nil when
    /// the warehouse has no such query.
    func sliceCount() -> SQLStatement?
    /// The rows a COPY of the parts named with `loadID` rejected, with their file, line, column
    /// and reason; run after the load's transaction rolled back.
    func loadErrors(loadID: String, limit: Int) -> SQLStatement
    /// The queries of such rows in the order to try them (the first that answers with rows wins),
    /// each with the columns `loadErrors` has: file, line, column, raw value, reason.
    func loadErrorQueries(loadID: String, limit: Int) -> [SQLStatement]
    /// The SELECT of `columns` an UNLOAD runs, followed by a NULL flag (`1` or `0`) for each of
    /// `flagged`, whose NULL the unloaded CSV cannot tell from a value.
    func unloadSelect(
        _ columns: [String], flaggingNulls flagged: [String], from table: TableName, where condition: SQLCondition?
    ) -> SQLStatement
    /// `UNLOAD ('query') TO '<prefix>' …` as gzip CSV with a manifest at `<prefix>manifest`.
    func unload(
        query: String, to prefix: String, authorization: RedshiftAuthorization, region: String?,
        ordered: Bool
    ) throws -> String
}
