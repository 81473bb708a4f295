/// PostgreSQL (15 and later): types, DDL and DML of a load, every value as a bind parameter.
public struct PostgresDialect: Dialect, Sendable, Hashable {
    /// A PostgreSQL dialect; it has no settings.
    public init() {}

    /// `postgres`.
    public var name: String { "postgres" }
    /// NAMEDATALEN - 1: longer names are cut by the server, so they are refused instead.
    public var maxIdentifierBytes: Int { 63 }
    public var maxColumns: Int { 1600 }
    /// Quoted identifiers keep their case on PostgreSQL.
    public var foldsIdentifiersToLowercase: Bool { false }
    /// COPY's CSV default: an unquoted empty field is NULL, `""` the empty string.
    public var csvNull: String { "" }
    /// bytea's hex form.
    public var binaryHexPrefix: String { "\\x" }
    /// Sessions run in UTC, so naive timestamps read back as written.
    public var sessionSetup: [SQLStatement] { [SQLStatement("SET TimeZone = 'UTC'")] }
    /// Rows stream through the client: `COPY … FROM STDIN` and `COPY … TO STDOUT`.
    public var copyRoute: CopyRoute { .client(self) }
    /// `pg_advisory_*` locks on the 64-bit hash of a name.
    public var advisoryLocks: (any AdvisoryLockSQL)? { self }
    /// `text` without bounds, `jsonb`, `timestamptz`, with indexes.
    public var bookkeeping: BookkeepingTypes {
        BookkeepingTypes(
            text: "text", boundsText: false, json: "jsonb", jsonParameterCast: "jsonb", checksum: "text",
            timestamp: "timestamptz", transactionStart: "now()", statementTime: "clock_timestamp()",
            hasIndexes: true)
    }

    /// Any URL: `postgres://…`, `postgresql://…` or libpq's `key=value` string, as it is.
    public func connectionString(forURL url: String) -> String? { url }

    /// PostgreSQL has a column for every type.
    public func refusal(ofColumnType type: SQLType) -> String? { nil }

    /// `.varchar` becomes `text`: PostgreSQL limits are characters, not bytes, and `text` costs the
    /// same, so a byte bound would only add false overflows. JSON is `jsonb` (validated on input).
    public func typeName(_ type: SQLType) -> String {
        switch type {
        case .boolean: return "boolean"
        case .smallint: return "smallint"
        case .integer: return "integer"
        case .bigint: return "bigint"
        case .decimal(let precision, let scale): return "numeric(\(precision),\(scale))"
        case .numeric: return "numeric"
        case .double: return "double precision"
        case .real: return "real"
        case .time: return "time"
        case .interval: return "interval"
        case .binary: return "bytea"
        case .varchar, .text: return "text"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .timestamptz: return "timestamptz"
        case .coarseTimestamp: return type.description
        case .json: return "jsonb"
        case .other(let name): return name
        }
    }

    /// Reads `information_schema.columns.data_type`. A `character varying(n)` column that a user
    /// created reads as `.varchar(maxBytes: n)` (n characters hold at least n bytes); `numeric`
    /// without a precision as `.numeric`; a timestamp of fewer than six fraction digits as
    /// `.coarseTimestamp`; types without a case (`uuid`, `time with time zone`, …) as nil.
    public func sqlType(
        dataType: String, characterMaximumLength: Int?, numericPrecision: Int?, numericScale: Int?,
        datetimePrecision: Int?
    ) -> SQLType? {
        switch dataType.lowercased() {
        case "boolean": return .boolean
        case "smallint": return .smallint
        case "integer": return .integer
        case "bigint": return .bigint
        case "numeric":
            guard let numericPrecision else { return .numeric }
            return .decimal(precision: numericPrecision, scale: numericScale ?? 0)
        case "double precision": return .double
        case "real": return .real
        case "time without time zone": return .time
        case "interval": return .interval
        case "bytea": return .binary
        case "character varying":
            guard let characterMaximumLength else { return .text }
            return .varchar(maxBytes: characterMaximumLength)
        case "text": return .text
        case "date": return .date
        case "timestamp without time zone", "timestamp with time zone":
            let zoned = dataType.lowercased() == "timestamp with time zone"
            if let datetimePrecision, datetimePrecision < 6 {
                return .coarseTimestamp(fractionDigits: datetimePrecision, withTimeZone: zoned)
            }
            return zoned ? .timestamptz : .timestamp
        case "jsonb": return .json
        // `json` keeps its text as written and has another binary form than jsonb's; loaded and
        // loaded back as JSON all the same (`TypeMapping`).
        case "json": return .other("json")
        default: return nil
        }
    }

    /// `.varchar` is stored as `text`; every other type as itself.
    public func storedType(_ type: SQLType) -> SQLType {
        if case .varchar = type { return .text }
        return type
    }

    /// Integers as `bigint`, decimals as unconstrained `numeric` (each value keeps its scale as
    /// written), text as `text`: later loads with larger values need no DDL.
    public func createdType(_ type: SQLType) -> SQLType {
        switch type {
        case .smallint, .integer: return .bigint
        case .decimal: return .numeric
        case .varchar: return .text
        default: return type
        }
    }

    /// Unconstrained `numeric`, which also reads exponent notation, `NaN` and (from PostgreSQL 14)
    /// the infinities, up to 131072 digits before the point and 16383 after.
    public func exactDecimalType(
        integerDigits: Int, scale: Int, usesExponentNotation: Bool,
        holdsSpecialValues: Bool
    ) -> SQLType? {
        guard integerDigits <= 131_072, scale <= 16_383 else { return nil }
        return .numeric
    }

    /// `numeric(p,s)` reads `1.5e3` as 1500.
    public var decimalsReadExponents: Bool { true }
    public var datesReadInfinity: Bool { true }

    /// `varchar(n)` counts characters.
    public var varcharLengthInCharacters: Bool { true }

    /// PostgreSQL changes only the catalog for `varchar` growth or into `text`, and for a numeric
    /// that keeps its scale and gains precision or loses its constraint; every other change of
    /// type rewrites the table.
    public func rewritesTable(from: SQLType, to: SQLType) -> Bool {
        switch (storedType(from), storedType(to)) {
        case (let a, let b) where a == b: return false
        case (.varchar, .text): return false
        case (.varchar(let a), .varchar(let b)): return b < a
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)): return s1 != s2 || p2 < p1
        case (.decimal, .numeric): return false
        case (.coarseTimestamp, .coarseTimestamp), (.coarseTimestamp, .timestamp), (.coarseTimestamp, .timestamptz):
            // Only more precision, in the same zone (`widening` allows no other): the catalog.
            return false
        default: return true
        }
    }

    /// `CREATE SCHEMA IF NOT EXISTS "schema"`.
    public func createSchema(_ schema: String) -> SQLStatement { CommonSQL.createSchema(schema) }

    /// `CREATE TABLE IF NOT EXISTS "s"."t" ("a" type [NOT NULL], …)`. PostgreSQL tables have no
    /// distribution or sort keys: `design` is the default one (any other is refused before).
    public func createTable(_ table: TableName, columns: [ColumnDefinition], design: TableDesign) -> SQLStatement {
        CommonSQL.createTable(table, columns: columns, typeName: typeName)
    }

    /// Any design but the default: distribution and sort keys are Redshift's.
    public func refusal(ofTableDesign design: TableDesign) -> String? {
        guard !design.isDefault else { return nil }
        return "distribution and sort keys (--dist-key, --dist-style, --sort-key) are Redshift's: a postgres "
            + "table has none"
    }

    /// `ALTER TABLE … ADD COLUMN …`, always nullable.
    public func addColumn(_ table: TableName, _ column: ColumnDefinition) -> SQLStatement {
        CommonSQL.addColumn(table, column, typeName: typeName)
    }

    /// Relies on the assignment cast from the old type (every type casts to `text` by I/O).
    public func alterColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement {
        CommonSQL.alterColumnType(table, column: column, typeName: typeName(type))
    }

    /// `ALTER TABLE … ALTER COLUMN … TYPE … USING "column"::type`.
    public func convertColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement {
        CommonSQL.convertColumnType(table, column: column, typeName: typeName(type))
    }

    /// `pg_advisory_xact_lock(hashtextextended($1, 0))` on `lockName` (see `transactionLock`).
    public func lock(_ table: TableName, lockName: String) -> SQLStatement {
        transactionLock(lockName, shared: false)
    }

    /// `LOCK TABLE "a"."b", … IN ACCESS EXCLUSIVE MODE` (loads use advisory locks instead).
    public func lock(_ tables: [TableName]) -> SQLStatement {
        SQLStatement("LOCK TABLE " + tables.map(\.quoted).joined(separator: ", ") + " IN ACCESS EXCLUSIVE MODE")
    }

    /// Trailing blanks count in `text` and `varchar` comparisons.
    public var ignoresTrailingBlanks: Bool { false }

    /// `DELETE FROM table [WHERE condition]`.
    public func delete(_ table: TableName, where condition: SQLCondition?) -> SQLStatement {
        CommonSQL.delete(table, where: condition)
    }

    /// `CREATE TEMPORARY TABLE "x" (LIKE "s"."t" INCLUDING DEFAULTS) ON COMMIT DROP`: gone at the
    /// end of the load's transaction, whether it commits or not.
    public func createTemporaryTable(_ name: String, like table: TableName) -> SQLStatement {
        SQLStatement(
            "CREATE TEMPORARY TABLE \(quoteIdentifier(name)) (LIKE \(table.quoted) INCLUDING DEFAULTS) ON COMMIT DROP")
    }

    /// `DELETE FROM target USING staging WHERE target.k = staging.k AND …`.
    public func mergeDelete(target: TableName, staging: String, keys: [String]) -> SQLStatement {
        CommonSQL.mergeDelete(target: target, staging: staging, keys: keys)
    }

    /// `INSERT INTO target (cols) SELECT cols FROM staging`.
    public func insertSelect(into target: TableName, columns: [String], from staging: String) -> SQLStatement {
        CommonSQL.insertSelect(into: target, columns: columns, from: staging)
    }

    /// `information_schema.columns` for the table, schema and table name as bind parameters.
    public func tableColumns(_ table: TableName) -> SQLStatement {
        CommonSQL.tableColumns(schema: table.schema, table: table.table)
    }

    /// `SELECT cols FROM table [WHERE condition] [ORDER BY …]`.
    public func select(
        _ columns: [String], from table: TableName, where condition: SQLCondition?,
        orderBy: [String]
    ) -> SQLStatement {
        CommonSQL.select(columns, from: table, where: condition, orderBy: orderBy)
    }
}
