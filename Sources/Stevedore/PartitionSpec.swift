import Warehouse

/// Which rows of a table one load replaces: one or more dimensions (e.g. `day` and `region`),
/// each an expression over the table's columns and a key. Renders the one parameterized WHERE
/// condition used by DELETE and by loading back.
///
///     .day("2024-01-02", column: "sale_date")
///     .range(first: "2024-01-01", last: "2024-01-07", column: "sale_date")
///     PartitionSpec([.init("day", .column("sale_date"), .value("2024-01-02")),
///                    .init("region", .column("region"), .value("eu"))])
public struct PartitionSpec: Sendable, Hashable, CustomStringConvertible {
    /// How a dimension's value is computed from a row.
    public enum Expression: Sendable, Hashable {
        /// A column of the table; rows are checked against the key as they are staged.
        case column(String)
        /// An SQL expression over the table's columns, e.g. `date_trunc('day', sold_at)`. Trusted
        /// text from the pipeline's code or configuration, never from data.
        case sql(String)
    }

    /// The key of one dimension.
    public enum Key: Sendable, Hashable {
        /// Exactly this value.
        case value(String)
        /// Any of these values (Dagster's static key ranges, a backfill of several keys).
        case values([String])
        /// From `first` to `last`, both included (Dagster's key ranges).
        case range(first: String, last: String)
        /// From `start` included to `end` excluded: a time window.
        case window(start: String, end: String)
    }

    /// One dimension: its name (for labels and the ledger), expression and key.
    public struct Dimension: Sendable, Hashable {
        public var name: String
        public var expression: Expression
        public var key: Key

        public init(_ name: String, _ expression: Expression, _ key: Key) {
            self.name = name
            self.expression = expression
            self.key = key
        }
    }

    public var dimensions: [Dimension]

    public init(_ dimensions: [Dimension]) {
        self.dimensions = dimensions
    }

    /// One value of a column, named after the column.
    public static func value(_ value: String, column: String) -> PartitionSpec {
        PartitionSpec([Dimension(column, .column(column), .value(value))])
    }

    /// One day of a date column.
    public static func day(_ day: String, column: String) -> PartitionSpec {
        PartitionSpec([Dimension("day", .column(column), .value(day))])
    }

    /// An inclusive range of a column's values.
    public static func range(first: String, last: String, column: String) -> PartitionSpec {
        PartitionSpec([Dimension(column, .column(column), .range(first: first, last: last))])
    }

    /// A half-open window `[start, end)` of a column's values.
    public static func window(start: String, end: String, column: String) -> PartitionSpec {
        PartitionSpec([Dimension(column, .column(column), .window(start: start, end: end))])
    }

    /// The WHERE condition selecting the partition's rows, values as parameters. `types` gives
    /// the table's column types when known: parameters are then cast to them, which lets the
    /// condition run where the server cannot infer parameter types (COPY TO via settings).
    public func condition(dialect: any Dialect, types: [String: SQLType] = [:]) -> SQLCondition {
        dialect.condition(
            dimensions.map { dimension in
                let operand: SQLComparison.Operand
                var type: SQLType?
                switch dimension.expression {
                case .column(let column):
                    operand = .column(column)
                    type = types[column]
                case .sql(let sql):
                    operand = .expression(sql)
                }
                let test: SQLComparison.Test =
                    switch dimension.key {
                    case .value(let value): .equals(value)
                    case .values(let values): .oneOf(values)
                    case .range(let first, let last): .between(first: first, last: last)
                    case .window(let start, let end): .window(start: start, end: end)
                    }
                return SQLComparison(operand, test, type: type)
            })
    }

    /// Refuses a key ending in a blank where the warehouse ignores trailing blanks in text
    /// comparisons (Redshift): its DELETE would also remove the rows of the key without them.
    public func validateKeys(for dialect: any Dialect, table: TableRef) throws {
        guard dialect.ignoresTrailingBlanks else { return }
        for dimension in dimensions {
            let keys: [String] =
                switch dimension.key {
                case .value(let value): [value]
                case .values(let values): values
                case .range(let first, let last): [first, last]
                case .window(let start, let end): [start, end]
                }
            guard let key = keys.first(where: { $0.hasSuffix(" ") }) else { continue }
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message: "the partition key \(dimension.name)='\(key)' ends in a blank, which \(dialect.name) "
                    + "ignores when it compares text, so it would match the rows of '\(key.trimmingTrailingBlanks)' "
                    + "too; trim the key",
                table: table.description, partition: label)
        }
    }

    /// `day=2024-01-02/region=eu`; sets as `{eu,us}`, ranges as `first..last`, windows as
    /// `[start,end)`.
    public var label: String {
        dimensionLabels.joined(separator: "/")
    }

    private var dimensionLabels: [String] {
        dimensions.map { dimension in
            switch dimension.key {
            case .value(let value): return "\(dimension.name)=\(value)"
            case .values(let values): return "\(dimension.name)={\(values.joined(separator: ","))}"
            case .range(let first, let last): return "\(dimension.name)=\(first)..\(last)"
            case .window(let start, let end): return "\(dimension.name)=[\(start),\(end))"
            }
        }
    }

    /// The partition as a JSON object for the ledger: `{"day":"2024-01-02"}`, `{"region":["eu","us"]}`,
    /// `{"day":{"first":…,"last":…}}`, `{"day":{"start":…,"end":…}}`.
    public var json: String {
        let string = JSONText.quote
        let members = dimensions.map { dimension -> String in
            let value: String
            switch dimension.key {
            case .value(let v): value = string(v)
            case .values(let values): value = "[" + values.map(string).joined(separator: ",") + "]"
            case .range(let first, let last): value = "{\"first\":\(string(first)),\"last\":\(string(last))}"
            case .window(let start, let end): value = "{\"start\":\(string(start)),\"end\":\(string(end))}"
            }
            return "\(string(dimension.name)):\(value)"
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// The label as one path segment of a stage prefix: dimensions joined by `+`, every byte but
    /// `A-Z a-z 0-9 - _ . =` escaped as `%XX` (so a `/` or `+` inside a value stays unambiguous).
    public var pathSegment: String {
        dimensionLabels.map { label in
            var out = ""
            for byte in label.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                    UInt8(ascii: "="):
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
            return out
        }.joined(separator: "+")
    }

    public var description: String { label }
}

extension String {
    /// The string without its trailing blanks (spaces).
    var trimmingTrailingBlanks: String {
        String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
