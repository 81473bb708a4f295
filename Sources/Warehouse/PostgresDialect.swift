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
    /// `.coarseTimestamp`; types without a case (`real`, `uuid`, …) as nil.
    public func sqlType(dataType: String, characterMaximumLength: Int?, numericPrecision: Int?, numericScale: Int?,
                        datetimePrecision: Int?) -> SQLType? {
        switch dataType.lowercased() {
        case "boolean": return .boolean
        case "smallint": return .smallint
        case "integer": return .integer
        case "bigint": return .bigint
        case "numeric":
            guard let numericPrecision else { return .numeric }
            return .decimal(precision: numericPrecision, scale: numericScale ?? 0)
        case "double precision": return .double
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
        case "jsonb", "json": return .json
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
    public func exactDecimalType(integerDigits: Int, scale: Int, usesExponentNotation: Bool,
                                 holdsSpecialValues: Bool) -> SQLType? {
        guard integerDigits <= 131_072, scale <= 16_383 else { return nil }
        return .numeric
    }

    /// `numeric(p,s)` reads `1.5e3` as 1500.
    public var decimalsReadExponents: Bool { true }

    /// `varchar(n)` counts characters.
    public var varcharLengthInCharacters: Bool { true }

    /// PostgreSQL changes only the catalog for `varchar` growth or into `text`, and for a numeric
    /// that keeps its scale and gains precision or loses its constraint; every other change of
    /// type rewrites the table.
    public func rewritesTable(from: SQLType, to: SQLType) -> Bool {
        switch (storedType(from), storedType(to)) {
        case let (a, b) where a == b: return false
        case (.varchar, .text): return false
        case let (.varchar(a), .varchar(b)): return b < a
        case let (.decimal(p1, s1), .decimal(p2, s2)): return s1 != s2 || p2 < p1
        case (.decimal, .numeric): return false
        case (.coarseTimestamp, .coarseTimestamp), (.coarseTimestamp, .timestamp), (.coarseTimestamp, .timestamptz):
            // Only more precision, in the same zone (`widening` allows no other): the catalog.
            return false
        default: return true
        }
    }

    /// `CREATE SCHEMA IF NOT EXISTS "schema"`.
    public func createSchema(_ schema: String) -> SQLStatement { CommonSQL.createSchema(schema) }

    /// `CREATE TABLE IF NOT EXISTS "s"."t" ("a" type [NOT NULL], …)`.
    public func createTable(_ table: TableName, columns: [ColumnDefinition]) -> SQLStatement {
        CommonSQL.createTable(table, columns: columns, typeName: typeName)
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

    /// `pg_advisory_xact_lock(hashtextextended($1, 0))`: the 64-bit hash that hash partitioning
    /// stores on disk, so it is stable across releases and platforms and every client agrees on it;
    /// 64 bits make two table+partition names sharing a lock unlikely. Released at COMMIT or ROLLBACK.
    public func lock(_ table: TableName, lockName: String) -> SQLStatement {
        SQLStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [lockName])
    }

    /// The table-wide advisory lock every load of `table` takes before its partition lock: shared by
    /// loads of one partition (so partitions load side by side), exclusive for whole-table loads (so
    /// a replace never interleaves with a partition's). Released at COMMIT or ROLLBACK.
    public func tableLock(_ table: TableName, shared: Bool) -> SQLStatement {
        SQLStatement("SELECT pg_advisory_xact_lock\(shared ? "_shared" : "")(hashtextextended($1, 0))",
                     ["\(table)#table"])
    }

    /// `DELETE FROM table [WHERE condition]`.
    public func delete(_ table: TableName, where condition: SQLCondition?) -> SQLStatement {
        CommonSQL.delete(table, where: condition)
    }

    /// `LOCK TABLE table IN ACCESS SHARE MODE`, which a read takes first in its transaction: it waits
    /// for a load's DDL to commit, so the statements after it read the columns and rows with a
    /// snapshot taken after that commit. A statement that waited for the lock itself would read with
    /// the snapshot it took before waiting, and a table rewritten by `ALTER COLUMN … TYPE` looks
    /// empty to such a snapshot. Only for the `lockableKinds` of relation.
    public func readLock(_ table: TableName) -> SQLStatement {
        SQLStatement("LOCK TABLE \(table.quoted) IN ACCESS SHARE MODE")
    }

    /// `pg_class.relkind` of `table` (the name a bind parameter): no row when there is no such
    /// relation, or no such schema.
    public func relationKind(_ table: TableName) -> SQLStatement {
        SQLStatement("SELECT relkind FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)", [table.quoted])
    }

    /// The relations `LOCK TABLE` takes: tables, partitioned tables and views. Foreign tables (which
    /// no load rewrites) cannot be locked.
    public static let lockableKinds: Set<String> = ["r", "p", "v"]

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
    public func select(_ columns: [String], from table: TableName, where condition: SQLCondition?,
                       orderBy: [String]) -> SQLStatement {
        CommonSQL.select(columns, from: table, where: condition, orderBy: orderBy)
    }
}
