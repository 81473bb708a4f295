import Frames
import Stevedore

/// Reads the partition and type flags of `load`, `plan` and `unload`.
enum ArgumentParsing {
    /// `--partition dim=value`, `dim=first..last` or `dim=[start,end)`, with `--partition-expr
    /// dim=sql` giving a dimension an SQL expression (default: the dimension is a column of that
    /// name). A dimension given several values is the set of them.
    static func partition(_ values: [String], expressions: [String]) throws -> PartitionSpec? {
        guard !values.isEmpty else {
            if !expressions.isEmpty {
                throw Failure.usageError("--partition-expr needs a --partition for its dimension")
            }
            return nil
        }
        var sql: [String: String] = [:]
        for expression in expressions {
            let (name, text) = try pair(expression, flag: "--partition-expr", shape: "dimension=sql")
            sql[name] = text
        }
        var dimensions: [PartitionSpec.Dimension] = []
        for value in values {
            let (name, text) = try pair(
                value, flag: "--partition", shape: "dimension=value, dimension=first..last or dimension=[start,end)")
            let key = try partitionKey(text, flag: value)
            guard let index = dimensions.firstIndex(where: { $0.name == name }) else {
                let expression: PartitionSpec.Expression = sql[name].map { .sql($0) } ?? .column(name)
                dimensions.append(.init(name, expression, key))
                continue
            }
            dimensions[index].key = try joined(dimensions[index].key, key, flag: value)
        }
        if let unused = sql.keys.first(where: { name in !dimensions.contains { $0.name == name } }) {
            throw Failure.usageError("--partition-expr \(unused)=… names no --partition dimension")
        }
        return PartitionSpec(dimensions)
    }

    private static func partitionKey(_ text: String, flag: String) throws -> PartitionSpec.Key {
        if text.hasPrefix("[") && text.hasSuffix(")") {
            let bounds = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            guard bounds.count == 2, !bounds[0].isEmpty, !bounds[1].isEmpty else {
                throw Failure.usageError(
                    "--partition \(flag): a window needs a start and an end, as "
                        + "at=[2024-03-01T00:00:00+01:00,2024-03-02T00:00:00+01:00)")
            }
            return .window(start: String(bounds[0]), end: String(bounds[1]))
        }
        if let range = text.range(of: "..") {
            let first = String(text[..<range.lowerBound])
            let last = String(text[range.upperBound...])
            guard !first.isEmpty, !last.isEmpty else {
                throw Failure.usageError(
                    "--partition \(flag): a range needs a first and a last value, as day=2024-01-01..2024-01-07")
            }
            return .range(first: first, last: last)
        }
        return .value(text)
    }

    /// Two values of one dimension as the set of both; a range or window cannot join a set.
    private static func joined(_ a: PartitionSpec.Key, _ b: PartitionSpec.Key, flag: String) throws
        -> PartitionSpec.Key
    {
        func members(_ key: PartitionSpec.Key) -> [String]? {
            switch key {
            case .value(let value): [value]
            case .values(let values): values
            case .range, .window: nil
            }
        }
        guard let first = members(a), let second = members(b) else {
            throw Failure.usageError(
                "--partition \(flag): a dimension given more than once takes single values only, not ranges or windows")
        }
        return .values(first + second.filter { !first.contains($0) })
    }

    /// `--type column=type`, with the type names of `ColumnType` (`decimal(12,2)` included).
    static func types(_ values: [String]) throws -> [String: ColumnType] {
        var types: [String: ColumnType] = [:]
        for value in values {
            let (column, name) = try pair(value, flag: "--type", shape: "column=type")
            guard let type = columnType(name) else {
                throw Failure.usageError(
                    "--type \(value): unknown type '\(name)'; use boolean, smallint, integer, bigint, "
                        + "decimal(p,s), numeric, double, text, date, timestamp, timestamptz or json")
            }
            types[column] = type
        }
        return types
    }

    static func columnType(_ name: String) -> ColumnType? {
        let lowered = name.lowercased().filter { $0 != " " }
        switch lowered {
        case "boolean", "bool": return .boolean
        case "smallint", "int2": return .smallint
        case "integer", "int", "int4": return .integer
        case "bigint", "int8": return .bigint
        case "double", "float8", "doubleprecision": return .double
        case "real", "float4": return .real
        case "time": return .time
        case "interval": return .interval
        case "bytea", "binary", "varbyte": return .binary
        case "text", "varchar", "string": return .text
        case "date": return .date
        case "timestamp": return .timestamp
        case "timestamptz": return .timestamptz
        case "json", "jsonb": return .json
        case "numeric", "decimal": return .numeric
        default:
            guard lowered.hasPrefix("decimal(") || lowered.hasPrefix("numeric("), lowered.hasSuffix(")") else {
                return nil
            }
            let inside = lowered.drop { $0 != "(" }.dropFirst().dropLast().split(separator: ",")
            guard inside.count == 2, let precision = Int(inside[0]), let scale = Int(inside[1]),
                (1...ColumnType.maximumDecimalPrecision).contains(precision), (0...precision).contains(scale)
            else {
                return nil
            }
            return .decimal(precision: precision, scale: scale)
        }
    }

    private static func pair(_ value: String, flag: String, shape: String) throws -> (String, String) {
        guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
            throw Failure.usageError("\(flag) \(value): expected \(shape)")
        }
        return (String(value[..<equals]), String(value[value.index(after: equals)...]))
    }
}
