import Frames
import Warehouse

/// Between the frame's column types and the warehouse's: what a column is created as, what a
/// catalog type loads back as, and which staged values an existing column can take without loss.
enum TypeMapping {
    /// The warehouse type for an inferred column; text keeps its longest value in bytes (VARCHAR).
    static func sqlType(_ type: ColumnType, maxByteLength: Int) -> SQLType {
        switch type {
        case .boolean: return .boolean
        case .smallint: return .smallint
        case .integer: return .integer
        case .bigint: return .bigint
        case .decimal(let precision, let scale): return .decimal(precision: precision, scale: scale)
        case .double: return .double
        case .text: return .varchar(maxBytes: max(1, maxByteLength))
        case .date: return .date
        case .timestamp: return .timestamp
        case .timestamptz: return .timestamptz
        case .json: return .json
        }
    }

    /// The frame type a warehouse column loads back as.
    static func columnType(_ type: SQLType) -> ColumnType {
        switch type {
        case .boolean: return .boolean
        case .smallint: return .smallint
        case .integer: return .integer
        case .bigint: return .bigint
        case .decimal(let precision, let scale): return .decimal(precision: precision, scale: scale)
        case .double: return .double
        case .varchar, .text: return .text
        case .date: return .date
        case .timestamp: return .timestamp
        case .timestamptz: return .timestamptz
        case .json: return .json
        }
    }

    /// Whether every value staged for a column inferred as `incoming` loads into a column of
    /// `existing` exactly (so the table needs no change).
    static func loads(_ incoming: SQLType, into existing: SQLType) -> Bool {
        if incoming == existing { return true }
        switch (incoming, existing) {
        case (_, .text):
            return true
        case (.varchar(let needed), .varchar(let available)):
            return needed <= available
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint):
            return true
        case (.smallint, .decimal(let p, let s)): return p - s >= 5
        case (.integer, .decimal(let p, let s)): return p - s >= 10
        case (.bigint, .decimal(let p, let s)): return p - s >= 19
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            return p2 - s2 >= p1 - s1 && s2 >= s1
        case (.date, .timestamp), (.date, .timestamptz), (.timestamp, .timestamptz):
            // The load session runs in UTC, so a naive value reads as that instant in UTC.
            return true
        case (.json, .varchar):
            return true
        default:
            return false
        }
    }
}
