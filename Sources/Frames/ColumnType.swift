/// The type of one column of a `Frame`: the warehouse types Stevedore stages and loads back.
public enum ColumnType: Sendable, Hashable, CustomStringConvertible {
    case boolean
    /// 16-bit integer.
    case smallint
    /// 32-bit integer.
    case integer
    /// 64-bit integer.
    case bigint
    /// Exact decimal with `precision` significant digits (1...38), `scale` of them after the point.
    case decimal(precision: Int, scale: Int)
    /// Exact decimal of any precision and scale (PostgreSQL's unconstrained `numeric`).
    case numeric
    /// IEEE 754 binary32 (PostgreSQL's and Redshift's `real`).
    case real
    /// IEEE 754 binary64.
    case double
    /// UTF-8 text; the longest value's byte length is recorded by inference, not in the type.
    case text
    /// A calendar date without time zone.
    case date
    /// A date and time of day with microseconds, without time zone.
    case timestamp
    /// An instant with microseconds (staged in UTC with an explicit offset).
    case timestamptz
    /// A time of day with microseconds, without time zone.
    case time
    /// A length of time in microseconds (PostgreSQL's `interval`; Redshift has no column for it).
    case interval
    /// Bytes (PostgreSQL's `bytea`, Redshift's `VARBYTE`).
    case binary
    /// JSON kept as its text.
    case json

    /// The largest decimal precision PostgreSQL's and Redshift's DECIMAL share.
    public static let maximumDecimalPrecision = 38

    public var description: String {
        switch self {
        case .boolean: "boolean"
        case .smallint: "smallint"
        case .integer: "integer"
        case .bigint: "bigint"
        case .decimal(let precision, let scale): "decimal(\(precision),\(scale))"
        case .numeric: "numeric"
        case .real: "real"
        case .double: "double"
        case .text: "text"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .time: "time"
        case .interval: "interval"
        case .binary: "binary"
        case .json: "json"
        }
    }

    /// Whether a column of this type holds every value of `other` exactly, from the same staged
    /// text: the type itself, a wider integer or decimal, an unconstrained numeric, or text.
    public func holdsEvery(_ other: ColumnType) -> Bool {
        if self == other || self == .text { return true }
        switch (self, other) {
        case (.numeric, .smallint), (.numeric, .integer), (.numeric, .bigint), (.numeric, .decimal),
            (.integer, .smallint), (.bigint, .smallint), (.bigint, .integer):
            return true
        case (.decimal(let precision, let scale), .decimal(let otherPrecision, let otherScale)):
            return precision - scale >= otherPrecision - otherScale && scale >= otherScale
        case (.decimal(let precision, let scale), _):
            guard let range = other.integerRange else { return false }
            return precision - scale >= String(range.lowerBound).count - 1
        default:
            return false
        }
    }

    /// The range an integer type holds, or nil for other types.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .smallint: Int64(Int16.min)...Int64(Int16.max)
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .bigint: Int64.min...Int64.max
        default: nil
        }
    }
}
