/// One non-NULL cell of a `Frame` (NULL is `nil` in a column's `[Value?]`). Integers of every width
/// are `.integer`; the column's `ColumnType` says which width. Doubles compare by bit pattern, so
/// `-0.0 != 0.0` and NaN equals NaN, which is what a round trip must preserve.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case boolean(Bool)
    case integer(Int64)
    case decimal(ExactDecimal)
    case double(Double)
    case text(String)
    case date(CivilDate)
    case timestamp(Timestamp)
    case timestamptz(Timestamp)
    case json(String)

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case let (.boolean(a), .boolean(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.decimal(a), .decimal(b)): a == b
        case let (.double(a), .double(b)): a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case let (.text(a), .text(b)): a == b
        case let (.date(a), .date(b)): a == b
        case let (.timestamp(a), .timestamp(b)): a == b
        case let (.timestamptz(a), .timestamptz(b)): a == b
        case let (.json(a), .json(b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case let .boolean(value): hasher.combine(0); hasher.combine(value)
        case let .integer(value): hasher.combine(1); hasher.combine(value)
        case let .decimal(value): hasher.combine(2); hasher.combine(value)
        case let .double(value): hasher.combine(3); hasher.combine(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
        case let .text(value): hasher.combine(4); hasher.combine(value)
        case let .date(value): hasher.combine(5); hasher.combine(value)
        case let .timestamp(value): hasher.combine(6); hasher.combine(value)
        case let .timestamptz(value): hasher.combine(7); hasher.combine(value)
        case let .json(value): hasher.combine(8); hasher.combine(value)
        }
    }

    /// True when a column of `type` can hold this value exactly.
    public func fits(_ type: ColumnType) -> Bool {
        switch (self, type) {
        case (.boolean, .boolean), (.double, .double), (.text, .text), (.json, .json):
            return true
        case let (.date(date), .date):
            return CivilDate.supportedYears.contains(date.components.year)
        case let (.timestamp(moment), .timestamp), let (.timestamptz(moment), .timestamptz):
            return CivilDate.supportedYears.contains(moment.date.components.year)
        case (.integer, .numeric), (.decimal, .numeric):
            return true
        case let (.integer(value), _):
            return type.integerRange?.contains(value) ?? false
        case let (.decimal(value), .decimal(precision, scale)):
            return value.fits(precision: precision, scale: scale)
        default:
            return false
        }
    }

    /// The value as staged (see `appendStagedText`).
    public var description: String {
        var bytes: [UInt8] = []
        appendStagedText(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
