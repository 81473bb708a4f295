extension PostgresDialect {
    /// The in-place type changes PostgreSQL can make without losing a value or changing its meaning,
    /// all inside the load's transaction: integer growth, integers into a numeric that holds them,
    /// numeric growth in both integer digits and scale or into unconstrained `numeric`, and `varchar`
    /// into `text`. A number, date or boolean never becomes text (that changes what the column means, not its width), and
    /// `timestamp` → `timestamptz` and `date` → `timestamp` are refused: the instants would change.
    public func widening(from: SQLType, to: SQLType) -> Widening? {
        let from = storedType(from)
        let to = storedType(to)
        if from == to { return .insideTransaction }
        switch (from, to) {
        case (.varchar, .text):
            return .insideTransaction
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint):
            return .insideTransaction
        case (.smallint, .decimal(let precision, let scale)),
            (.integer, .decimal(let precision, let scale)),
            (.bigint, .decimal(let precision, let scale)):
            guard let digits = Self.integerDigits(from) else { return nil }
            return precision - scale >= digits ? .insideTransaction : nil
        case (.smallint, .numeric), (.integer, .numeric), (.bigint, .numeric), (.decimal, .numeric):
            return .insideTransaction
        case (.decimal(let fromPrecision, let fromScale), .decimal(let toPrecision, let toScale)):
            let keepsIntegerDigits = toPrecision - toScale >= fromPrecision - fromScale
            return keepsIntegerDigits && toScale >= fromScale ? .insideTransaction : nil
        case (.coarseTimestamp(_, false), .timestamp), (.coarseTimestamp(_, true), .timestamptz):
            return .insideTransaction
        case (.coarseTimestamp(let fromDigits, let fromZoned), .coarseTimestamp(let toDigits, let toZoned)):
            return fromZoned == toZoned && toDigits >= fromDigits ? .insideTransaction : nil
        default:
            return nil
        }
    }

    /// The decimal digits of the widest value of an integer type (32767, 2147483647, 9223372036854775807).
    static func integerDigits(_ type: SQLType) -> Int? {
        switch type {
        case .smallint: return 5
        case .integer: return 10
        case .bigint: return 19
        default: return nil
        }
    }
}
