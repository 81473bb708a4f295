/// One comparison of a WHERE condition: a column or a trusted SQL expression against values that
/// go as bind parameters, each cast to `type` when it is known.
public struct SQLComparison: Sendable, Hashable {
    /// What is compared.
    public enum Operand: Sendable, Hashable {
        /// A column, quoted.
        case column(String)
        /// SQL text the user wrote (a partition expression), parenthesized.
        case expression(String)
    }

    /// How it is compared.
    public enum Test: Sendable, Hashable {
        case equals(String)
        /// `operand IN (values…)`.
        case oneOf([String])
        /// `first <= operand <= last`.
        case between(first: String, last: String)
        /// `start <= operand < end`.
        case window(start: String, end: String)
    }

    public var operand: Operand
    public var test: Test
    /// The type the values are cast to (the column's), which lets the condition run where the
    /// server cannot infer parameter types (COPY TO through settings).
    public var type: SQLType?

    public init(_ operand: Operand, _ test: Test, type: SQLType? = nil) {
        self.operand = operand
        self.test = test
        self.type = type
    }
}

extension Dialect {
    /// Every comparison, joined with AND, values numbered `$1`, `$2`, … in order.
    public func condition(_ comparisons: [SQLComparison]) -> SQLCondition {
        var parts: [String] = []
        var parameters: [String?] = []
        for comparison in comparisons {
            let operand =
                switch comparison.operand {
                case .column(let column): quoteIdentifier(column)
                case .expression(let sql): "(\(sql))"
                }
            func placeholder(_ value: String) -> String {
                parameters.append(value)
                let name = "$\(parameters.count)"
                return comparison.type.map { "CAST(\(name) AS \(typeName($0)))" } ?? name
            }
            switch comparison.test {
            case .equals(let value):
                parts.append("\(operand) = \(placeholder(value))")
            case .oneOf(let values) where values.isEmpty:
                parts.append("FALSE")
            case .oneOf(let values):
                parts.append("\(operand) IN (\(values.map(placeholder).joined(separator: ", ")))")
            case .between(let first, let last):
                parts.append("\(operand) >= \(placeholder(first)) AND \(operand) <= \(placeholder(last))")
            case .window(let start, let end):
                parts.append("\(operand) >= \(placeholder(start)) AND \(operand) < \(placeholder(end))")
            }
        }
        return SQLCondition(parts.joined(separator: " AND "), parameters)
    }
}
