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
    /// A time of day, in microseconds since midnight (0 to 24:00:00).
    case time(Int64)
    /// A length of time, in microseconds.
    case interval(Int64)
    case binary([UInt8])
    case json(String)

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.boolean(let a), .boolean(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.decimal(let a), .decimal(let b)): a == b
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case (.text(let a), .text(let b)): a == b
        case (.date(let a), .date(let b)): a == b
        case (.timestamp(let a), .timestamp(let b)): a == b
        case (.timestamptz(let a), .timestamptz(let b)): a == b
        case (.time(let a), .time(let b)): a == b
        case (.interval(let a), .interval(let b)): a == b
        case (.binary(let a), .binary(let b)): a == b
        case (.json(let a), .json(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .boolean(let value):
            hasher.combine(0)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .decimal(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .double(let value):
            hasher.combine(3)
            hasher.combine(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
        case .text(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .date(let value):
            hasher.combine(5)
            hasher.combine(value)
        case .timestamp(let value):
            hasher.combine(6)
            hasher.combine(value)
        case .timestamptz(let value):
            hasher.combine(7)
            hasher.combine(value)
        case .json(let value):
            hasher.combine(8)
            hasher.combine(value)
        case .time(let value):
            hasher.combine(9)
            hasher.combine(value)
        case .interval(let value):
            hasher.combine(10)
            hasher.combine(value)
        case .binary(let value):
            hasher.combine(11)
            hasher.combine(value)
        }
    }

    /// True when a column of `type` can hold this value exactly.
    public func fits(_ type: ColumnType) -> Bool {
        switch (self, type) {
        case (.boolean, .boolean), (.double, .double), (.text, .text), (.json, .json), (.interval, .interval),
            (.binary, .binary):
            return true
        case (.double(let value), .real):
            return value.isNaN || Double(Float(value)) == value
        case (.time(let value), .time):
            return (0...Timestamp.microsecondsPerDay).contains(value)
        case (.date(let date), .date):
            return CivilDate.supportedYears.contains(date.components.year)
        case (.timestamp(let moment), .timestamp), (.timestamptz(let moment), .timestamptz):
            return CivilDate.supportedYears.contains(moment.date.components.year)
        case (.integer, .numeric), (.decimal, .numeric):
            return true
        case (.integer(let value), _):
            return type.integerRange?.contains(value) ?? false
        case (.decimal(let value), .decimal(let precision, let scale)):
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
