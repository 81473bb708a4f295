/// The SQL a warehouse speaks for the statements a load needs. Pure text rendering: every
/// identifier goes through `quoteIdentifier`, every value is a bind parameter (`$1`, …) except where
/// the statement takes none (Redshift's COPY/UNLOAD options), and those go through `quoteLiteral`.
public protocol Dialect: Sendable {
    /// `postgres` or `redshift`, for messages and the ledger.
    var name: String { get }
    /// The longest identifier the warehouse keeps, in UTF-8 bytes (63 on PostgreSQL, 127 on Redshift).
    var maxIdentifierBytes: Int { get }
    /// The most columns a table may have (1600 on both).
    var maxColumns: Int { get }
    /// Whether the warehouse folds every identifier to lower case, even quoted ones (Redshift).
    var foldsIdentifiersToLowercase: Bool { get }

    /// How NULL is spelled in the CSV the warehouse's COPY reads and writes: `""` (an unquoted empty
    /// field) or `\N`.
    var csvNull: String { get }
    /// What precedes a binary value's hex digits in that CSV: `\x` (PostgreSQL's bytea), or nothing
    /// (Redshift's VARBYTE reads bare hex).
    var binaryHexPrefix: String { get }
    /// The statements every new session runs first (PostgreSQL: `SET TimeZone = 'UTC'`).
    var sessionSetup: [SQLStatement] { get }
    /// How the warehouse's COPY moves a load's rows, with the statements of that route.
    var copyRoute: CopyRoute { get }
    /// The warehouse's advisory locks; nil when it has none (Redshift), and then `lock` locks the
    /// table itself, which must exist first.
    var advisoryLocks: (any AdvisoryLockSQL)? { get }
    /// How Stevedore's own tables (the ledger, the scheduler's attempts) spell their columns.
    var bookkeeping: BookkeepingTypes { get }
    /// The connection string libpq takes for a warehouse URL of this dialect (`redshift://…`), or
    /// nil when the URL names another warehouse.
    func connectionString(forURL url: String) -> String?

    /// Why the warehouse has no column for `type`, or nil when it has one.
    func refusal(ofColumnType type: SQLType) -> String?

    /// The type as the warehouse spells it in DDL.
    func typeName(_ type: SQLType) -> String
    /// Reads back a type from the catalog row of `tableColumns` (`data_type`,
    /// `character_maximum_length`, `numeric_precision`, `numeric_scale`, `datetime_precision`); nil
    /// for a type without a case of its own (the caller keeps it as `.other`).
    func sqlType(
        dataType: String, characterMaximumLength: Int?, numericPrecision: Int?, numericScale: Int?,
        datetimePrecision: Int?
    ) -> SQLType?
    /// The type a column created as `type` reads back as from the catalog (e.g. PostgreSQL stores
    /// `.varchar` as `text`; Redshift stores `.text` and `.json` as `VARCHAR(65535)`).
    func storedType(_ type: SQLType) -> SQLType

    /// The type a new column is created as for values Stevedore inferred as `type`: wide enough
    /// that ordinary growth (larger integers, more digits, longer text) needs no DDL later.
    func createdType(_ type: SQLType) -> SQLType
    /// The exact decimal type a new column of numbers with up to `integerDigits` digits before the
    /// point and `scale` after it (some in exponent notation, some NaN or infinite, as the flags
    /// say) is created as; nil when the warehouse has none that holds them.
    func exactDecimalType(integerDigits: Int, scale: Int, usesExponentNotation: Bool, holdsSpecialValues: Bool)
        -> SQLType?
    /// Whether the COPY reads a number in exponent notation (`1.5e3`) into a decimal column.
    var decimalsReadExponents: Bool { get }
    /// Whether date and timestamp columns take `infinity` and `-infinity`.
    var datesReadInfinity: Bool { get }
    /// Whether a `varchar(n)` holds n characters (PostgreSQL) rather than n bytes (Redshift).
    var varcharLengthInCharacters: Bool { get }
    /// Whether `ALTER COLUMN … TYPE to` on a column of `from` rewrites every row of the table
    /// (under an exclusive lock), rather than changing only the catalog.
    func rewritesTable(from: SQLType, to: SQLType) -> Bool

    /// `CREATE SCHEMA IF NOT EXISTS "schema"`.
    func createSchema(_ schema: String) -> SQLStatement
    /// `CREATE TABLE IF NOT EXISTS "schema"."table" ("a" type [NOT NULL], …)`, laid out as `design`
    /// says (Redshift: `DISTSTYLE …`, `ENCODE AUTO`); `design` must be one the dialect does not refuse.
    func createTable(_ table: TableName, columns: [ColumnDefinition], design: TableDesign) -> SQLStatement
    /// Why the warehouse cannot create a table laid out as `design`, or nil when it can.
    func refusal(ofTableDesign design: TableDesign) -> String?
    /// One `ALTER TABLE … ADD COLUMN …` (always nullable: older rows read NULL).
    func addColumn(_ table: TableName, _ column: ColumnDefinition) -> SQLStatement
    /// `ALTER TABLE … ALTER COLUMN … TYPE …`, for a widening `widening(from:to:)` allows.
    func alterColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement
    /// `ALTER TABLE … ALTER COLUMN … TYPE … USING column::type`: a column whose every value the load
    /// itself wrote (or NULL) converted by an explicit cast.
    func convertColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement
    /// How `from` may become `to` in place, or nil when it cannot (an incompatible change).
    func widening(from: SQLType, to: SQLType) -> Widening?

    /// Serializes loads of one table+partition until the transaction ends: an advisory transaction
    /// lock on the hash of `lockName` (PostgreSQL), or `LOCK table` (Redshift).
    func lock(_ table: TableName, lockName: String) -> SQLStatement
    /// `LOCK` of the tables themselves, in the order given, until the transaction ends; what a
    /// load runs first where there are no advisory locks (Redshift).
    func lock(_ tables: [TableName]) -> SQLStatement
    /// Whether `=` on VARCHAR ignores trailing blanks (Redshift: `'x' = 'x  '`), so that keys
    /// ending in blanks would match other keys' rows.
    var ignoresTrailingBlanks: Bool { get }
    /// `DELETE FROM table [WHERE condition]`.
    func delete(_ table: TableName, where condition: SQLCondition?) -> SQLStatement
    /// A temporary table shaped like `table`, dropped at commit, for merge loads.
    func createTemporaryTable(_ name: String, like table: TableName) -> SQLStatement
    /// `DELETE FROM target USING staging WHERE target.k = staging.k AND …`.
    func mergeDelete(target: TableName, staging: String, keys: [String]) -> SQLStatement
    /// `INSERT INTO target (cols) SELECT cols FROM staging`.
    func insertSelect(into target: TableName, columns: [String], from staging: String) -> SQLStatement
    /// The catalog query for a table's columns, in order: `column_name`, `data_type`,
    /// `character_maximum_length`, `numeric_precision`, `numeric_scale`, `is_nullable`, `udt_name`,
    /// `datetime_precision`.
    func tableColumns(_ table: TableName) -> SQLStatement
    /// `statement` with its bind parameters written in as literals, for the statements that take
    /// none (PostgreSQL's `COPY (query) TO STDOUT`, Redshift's UNLOAD); refuses values it cannot
    /// write safely.
    func inlineParameters(_ statement: SQLStatement) throws -> String
    /// `SELECT cols FROM table [WHERE condition] [ORDER BY …]` for loading back.
    func select(_ columns: [String], from table: TableName, where condition: SQLCondition?, orderBy: [String])
        -> SQLStatement
}

extension Dialect {
    /// `createTable(_:columns:design:)` with the default design.
    public func createTable(_ table: TableName, columns: [ColumnDefinition]) -> SQLStatement {
        createTable(table, columns: columns, design: TableDesign())
    }
}

/// Whether a type change may run inside the load's transaction (PostgreSQL) or must run before it
/// (Redshift widens VARCHAR only outside a transaction block).
public enum Widening: Sendable, Hashable {
    case insideTransaction
    case outsideTransaction
}

/// A WHERE condition with its bind parameters; placeholders are numbered from `$1` in `sql`, and
/// `renumbered(from:)` shifts them when the condition is appended to a statement with parameters.
public struct SQLCondition: Sendable, Hashable, CustomStringConvertible {
    public var sql: String
    public var parameters: [String?]

    public init(_ sql: String, _ parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    /// The same condition with `$n` written as `$(n + offset)`. Text inside quoted identifiers
    /// (`"a$1"`) and string literals (`'$1'`) is left alone: only real placeholders move.
    public func renumbered(by offset: Int) -> SQLCondition {
        guard offset != 0 else { return self }
        return SQLCondition(SQLPlaceholders.rewrite(sql) { "$\($0 + offset)" }, parameters)
    }

    /// Both conditions, joined with AND.
    public static func && (lhs: SQLCondition, rhs: SQLCondition) -> SQLCondition {
        let right = rhs.renumbered(by: lhs.parameters.count)
        return SQLCondition("(\(lhs.sql)) AND (\(right.sql))", lhs.parameters + right.parameters)
    }

    public var description: String { sql }
}
