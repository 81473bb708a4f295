import Frames
import Warehouse

/// Between the frame's column types and the warehouse's: what a column is created as, what a
/// catalog type loads back as and checks values against, and which types an existing column can
/// take without loss.
enum TypeMapping {
    /// The warehouse type a new column is created as for `column`'s values: a pinned or declared
    /// type as it is; an inferred one with headroom (`Dialect.createdType`), and exact numbers no
    /// decimal of the warehouse holds as text (see `textNote`).
    static func createdType(_ column: ColumnInference, dialect: any Dialect) -> SQLType {
        let length = max(1, column.maxByteLength)
        if let pinned = column.pinnedType {
            if pinned == .numeric { return exactDecimal(column, dialect: dialect) ?? .varchar(maxBytes: length) }
            return sqlType(pinned, maxByteLength: length)
        }
        switch column.type {
        case .decimal, .numeric:
            return exactDecimal(column, dialect: dialect).map(dialect.createdType)
                ?? dialect.createdType(.varchar(maxBytes: length))
        case let type:
            return dialect.createdType(sqlType(type, maxByteLength: length))
        }
    }

    /// Why `column`, a column of exact numbers, is created as text, or nil when it is not.
    static func textNote(_ name: String, _ column: ColumnInference, dialect: any Dialect) -> String? {
        let decides: Bool
        switch column.pinnedType {
        case .some(.numeric): decides = true
        case .some: decides = false
        case .none: decides = column.type == .numeric || column.type.isDecimal
        }
        guard decides, exactDecimal(column, dialect: dialect) == nil else { return nil }
        let digits = column.decimalDigits
        return "column '\(name)' holds exact numbers (\(digits.integer) digits before the point, \(digits.scale) after"
            + "\(column.usesExponentNotation ? ", in exponent notation" : "")\(column.holdsSpecialValues ? ", NaN or infinite" : "")) "
            + "that no \(dialect.name) decimal type holds: "
            + "it is created as text"
    }

    private static func exactDecimal(_ column: ColumnInference, dialect: any Dialect) -> SQLType? {
        let digits = column.decimalDigits
        return dialect.exactDecimalType(
            integerDigits: digits.integer, scale: digits.scale,
            usesExponentNotation: column.usesExponentNotation,
            holdsSpecialValues: column.holdsSpecialValues)
    }

    /// The warehouse type of a frame type; text keeps its longest value in bytes (VARCHAR).
    static func sqlType(_ type: ColumnType, maxByteLength: Int) -> SQLType {
        switch type {
        case .boolean: return .boolean
        case .smallint: return .smallint
        case .integer: return .integer
        case .bigint: return .bigint
        case .decimal(let precision, let scale): return .decimal(precision: precision, scale: scale)
        case .numeric: return .numeric
        case .double: return .double
        case .real: return .real
        case .time: return .time
        case .interval: return .interval
        case .binary: return .binary
        case .text: return .varchar(maxBytes: max(1, maxByteLength))
        case .date: return .date
        case .timestamp: return .timestamp
        case .timestamptz: return .timestamptz
        case .json: return .json
        }
    }

    /// The frame type a warehouse column loads back as; a type without a frame type of its own
    /// comes back as its text.
    static func columnType(_ type: SQLType) -> ColumnType {
        switch type {
        case .boolean: return .boolean
        case .smallint: return .smallint
        case .integer: return .integer
        case .bigint: return .bigint
        case .decimal(let precision, let scale): return .decimal(precision: precision, scale: scale)
        case .numeric: return .numeric
        case .double: return .double
        case .real: return .real
        case .time: return .time
        case .interval: return .interval
        case .binary: return .binary
        case .other("json"): return .json
        case .varchar, .text, .other: return .text
        case .date: return .date
        case .timestamp: return .timestamp
        case .timestamptz: return .timestamptz
        case .coarseTimestamp(_, let zoned): return zoned ? .timestamptz : .timestamp
        case .json: return .json
        }
    }

    /// The frame type each value for an existing column of `type` is checked against: the
    /// column's own where Stevedore knows it; text (anything passes, the COPY judges) otherwise.
    /// A VARCHAR's length is checked after staging, from the longest value.
    static func targetType(_ type: SQLType) -> ColumnType {
        columnType(type)
    }

    /// The target type of each existing column, by name as `dialect` matches names (folded on
    /// Redshift); empty for a table that does not exist.
    static func targetTypes(_ columns: [ColumnDefinition]?, dialect: any Dialect) -> [String: ColumnType] {
        Dictionary(
            (columns ?? []).map { (key($0.name, dialect), targetType($0.type)) },
            uniquingKeysWith: { first, _ in first })
    }

    /// `name` as `dialect` compares column names.
    static func key(_ name: String, _ dialect: any Dialect) -> String {
        dialect.foldsIdentifiersToLowercase ? SchemaInference.asciiLowercased(name) : name
    }

    /// Whether every value staged for a column typed `incoming` loads into a column of `existing`
    /// exactly (so the table needs no change).
    static func loads(_ incoming: SQLType, into existing: SQLType) -> Bool {
        if incoming == existing { return true }
        switch (incoming, existing) {
        case (_, .text), (_, .other):
            return true
        case (.varchar(let needed), .varchar(let available)):
            return needed <= available
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint):
            return true
        case (.smallint, .numeric), (.integer, .numeric), (.bigint, .numeric), (.decimal, .numeric):
            return true
        case (.smallint, .decimal(let p, let s)): return p - s >= 5
        case (.integer, .decimal(let p, let s)): return p - s >= 10
        case (.bigint, .decimal(let p, let s)): return p - s >= 19
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            return p2 - s2 >= p1 - s1 && s2 >= s1
        case (.date, .timestamp), (.date, .timestamptz), (.timestamp, .timestamptz):
            // The load session runs in UTC, so a naive value reads as that instant in UTC.
            return true
        case (.json, .varchar), (.real, .double):
            return true
        default:
            return false
        }
    }

    /// The narrowest type that holds both an existing column's values and `incoming` ones, in the
    /// form that changes the least: integers grow, a numeric gains precision at its scale or loses
    /// its constraint, text grows; otherwise `incoming` (which the dialect may refuse to widen to).
    static func union(_ existing: SQLType, _ incoming: SQLType) -> SQLType {
        if loads(incoming, into: existing) { return existing }
        switch (existing, incoming) {
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint):
            return incoming
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)) where s1 == s2:
            return .decimal(precision: max(p1, p2), scale: s1)
        case (.smallint, .decimal), (.integer, .decimal), (.bigint, .decimal), (.decimal, .decimal),
            (.smallint, .numeric), (.integer, .numeric), (.bigint, .numeric), (.decimal, .numeric),
            (.decimal, .smallint), (.decimal, .integer), (.decimal, .bigint):
            return .numeric
        case (.varchar(let a), .varchar(let b)):
            return .varchar(maxBytes: max(a, b))
        default:
            return incoming
        }
    }
}

extension ColumnType {
    /// A `decimal(p,s)`.
    var isDecimal: Bool {
        if case .decimal = self { return true }
        return false
    }
}
