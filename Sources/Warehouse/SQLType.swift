/// A column type as the warehouse sees it; each `Dialect` spells it in its own SQL.
public enum SQLType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    case smallint
    case integer
    case bigint
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    case decimal(precision: Int, scale: Int)
    /// Exact decimal of any precision and scale (PostgreSQL's unconstrained `numeric`).
    case numeric
    case double
    /// IEEE 754 binary32.
    case real
    /// A time of day without time zone.
    case time
    /// A length of time (PostgreSQL only).
    case interval
    /// Bytes (PostgreSQL `bytea`, Redshift `VARBYTE`).
    case binary
    /// Text of at most `maxBytes` UTF-8 bytes (Redshift's VARCHAR is measured in bytes).
    case varchar(maxBytes: Int)
    /// Text of any length (PostgreSQL `text`; Redshift's widest VARCHAR).
    case text
    case date
    case timestamp
    case timestamptz
    /// A `timestamp(p)` or `timestamptz(p)` column with fewer than six digits of fractional
    /// seconds (`fractionDigits` = p), as an existing table has it: the server rounds a finer value.
    case coarseTimestamp(fractionDigits: Int, withTimeZone: Bool)
    /// JSON (PostgreSQL `jsonb`, Redshift `SUPER`).
    case json
    /// A type Stevedore has no frame type for (`uuid`, `interval`, arrays, enums, `SUPER`…), by the
    /// catalog's name for it: values go to COPY as their text, and come back as it.
    case other(String)

    public var description: String {
        switch self {
        case .boolean: return "boolean"
        case .smallint: return "smallint"
        case .integer: return "integer"
        case .bigint: return "bigint"
        case .decimal(let precision, let scale): return "decimal(\(precision),\(scale))"
        case .numeric: return "numeric"
        case .double: return "double precision"
        case .real: return "real"
        case .time: return "time"
        case .interval: return "interval"
        case .binary: return "binary"
        case .varchar(let maxBytes): return "varchar(\(maxBytes))"
        case .text: return "text"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .timestamptz: return "timestamptz"
        case .coarseTimestamp(let digits, let zoned): return "\(zoned ? "timestamptz" : "timestamp")(\(digits))"
        case .json: return "json"
        case .other(let name): return name
        }
    }
}

/// A column of a table to create or alter.
public struct ColumnDefinition: Sendable, Hashable {
    public var name: String
    public var type: SQLType
    public var isNullable: Bool

    public init(name: String, type: SQLType, isNullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
    }
}

/// A schema-qualified table name, unquoted; `quoted` renders it through `quoteIdentifier`.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String
    public var table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"`, safe to splice into SQL; just `"table"` when the schema is empty (a
    /// temporary table, found in the session's own schema).
    public var quoted: String { schema.isEmpty ? quoteIdentifier(table) : quoteQualifiedIdentifier([schema, table]) }

    public var description: String { "\(schema).\(table)" }
}

/// SQL text with its bind parameters (`$1`, `$2`, … in order).
public struct SQLStatement: Sendable, Hashable, CustomStringConvertible {
    public var sql: String
    public var parameters: [String?]

    public init(_ sql: String, _ parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    public var description: String { sql }
}

/// Quotes `value` as an SQL string literal (`'` doubled). Only for the few places SQL takes no bind
/// parameter: S3 URLs, credentials and options of Redshift's COPY and UNLOAD, and UNLOAD's query.
/// Everywhere else values go as bind parameters.
public func quoteLiteral(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
}

/// Limits of the warehouses' types that the dialects and the type mapping share.
public enum ColumnLimits {
    /// Redshift's DECIMAL holds at most 38 digits.
    public static let redshiftMaxDecimalPrecision = 38
}
