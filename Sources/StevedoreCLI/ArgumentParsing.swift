import Frames
import Stevedore

/// Reads the partition and type flags of `load`, `plan` and `unload`.
enum ArgumentParsing {
    /// `--partition dim=value` or `dim=first..last`, with `--partition-expr dim=sql` giving a
    /// dimension an SQL expression (default: the dimension is a column of that name).
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
        let dimensions = try values.map { value -> PartitionSpec.Dimension in
            let (name, key) = try pair(value, flag: "--partition", shape: "dimension=value or dimension=first..last")
            let expression: PartitionSpec.Expression = sql[name].map { .sql($0) } ?? .column(name)
            if let range = key.range(of: "..") {
                let first = String(key[..<range.lowerBound])
                let last = String(key[range.upperBound...])
                guard !first.isEmpty, !last.isEmpty else {
                    throw Failure.usageError(
                        "--partition \(value): a range needs a first and a last value, as day=2024-01-01..2024-01-07")
                }
                return .init(name, expression, .range(first: first, last: last))
            }
            return .init(name, expression, .value(key))
        }
        if let unused = sql.keys.first(where: { name in !dimensions.contains { $0.name == name } }) {
            throw Failure.usageError("--partition-expr \(unused)=… names no --partition dimension")
        }
        return PartitionSpec(dimensions)
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
