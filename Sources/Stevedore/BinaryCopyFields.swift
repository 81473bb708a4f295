import Frames
import Warehouse

extension PostgresBinaryCopy {
    /// The binary COPY of `columns` into a table whose columns have `types`, when each type has a
    /// send format here; nil (copy CSV) otherwise.
    static func into(_ columns: [String], types: [String: SQLType]) -> PostgresBinaryCopy? {
        var fields: [Field] = []
        for column in columns {
            let field: Field
            switch types[column] {
            case .boolean: field = .boolean
            case .smallint: field = .int2
            case .integer: field = .int4
            case .bigint: field = .int8
            case .decimal, .numeric: field = .numeric
            case .real: field = .float4
            case .double: field = .float8
            case .varchar, .text: field = .text
            case .date: field = .date
            case .time: field = .time
            case .timestamp: field = .timestamp
            case .timestamptz: field = .timestamptz
            case .interval: field = .interval
            case .binary: field = .bytea
            case .json: field = .jsonb
            // PostgreSQL's `json` receives its text as it is.
            case .other("json"): field = .text
            case .coarseTimestamp, .other, nil: return nil
            }
            fields.append(field)
        }
        return PostgresBinaryCopy(fields: fields)
    }
}

extension PostgresBinaryCopy {
    /// The send format of each column of `types` that a `COPY … TO STDOUT (FORMAT binary)` writes,
    /// when every one has a decoder (`ArrowFromPostgresBinary`); nil (read CSV) otherwise.
    static func unloading(_ types: [SQLType]) -> [Field]? {
        var fields: [Field] = []
        for type in types {
            let field: Field
            switch type {
            case .boolean: field = .boolean
            case .smallint: field = .int2
            case .integer: field = .int4
            case .bigint: field = .int8
            case .decimal, .numeric: field = .numeric
            case .real: field = .float4
            case .double: field = .float8
            // bpchar (the catalog's `character`) and json send their text as it is.
            case .varchar, .text, .other("json"), .other("character"): field = .text
            case .date: field = .date
            case .time: field = .time
            case .timestamp, .coarseTimestamp(_, withTimeZone: false): field = .timestamp
            case .timestamptz, .coarseTimestamp(_, withTimeZone: true): field = .timestamptz
            case .interval: field = .interval
            case .binary: field = .bytea
            case .json: field = .jsonb
            case .other: return nil
            }
            fields.append(field)
        }
        return fields
    }
}

extension Dialect {
    /// What this warehouse's COPY reads beyond the common forms, for the encoder's checks.
    var copyReading: CopyReading {
        CopyReading(decimalsReadExponents: decimalsReadExponents, datesReadInfinity: datesReadInfinity)
    }
}
