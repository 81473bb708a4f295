import Frames
import Warehouse

extension PostgresBinaryCopy {
    /// The binary COPY of `columns` into a table whose columns have `types`, when each type has a
    /// send format here; nil (copy CSV) otherwise.
    static func into(_ columns: [String], types: [String: SQLType]) -> PostgresBinaryCopy? {
        var fields: [Field] = []
        for column in columns {
            // A `timestamp(p)` column has no send format for loading here: its rows go as CSV.
            guard let type = types[column], let field = sendFormat(of: type) else { return nil }
            fields.append(field)
        }
        return PostgresBinaryCopy(fields: fields)
    }

    /// The send format of each column of `types` that a `COPY … TO STDOUT (FORMAT binary)` writes,
    /// when every one has a decoder (`ArrowFromPostgresBinary`); nil (read CSV) otherwise.
    static func unloading(_ types: [SQLType]) -> [Field]? {
        var fields: [Field] = []
        for type in types {
            let field: Field?
            switch type {
            case .coarseTimestamp(_, let withTimeZone): field = withTimeZone ? .timestamptz : .timestamp
            // bpchar (the catalog's `character`) sends its padded text.
            case .other("character"): field = .text
            default: field = sendFormat(of: type)
            }
            guard let field else { return nil }
            fields.append(field)
        }
        return fields
    }

    /// The send format of a column of `type`, the same into the table and out of it: its frame
    /// type's; nil where there is none here.
    private static func sendFormat(of type: SQLType) -> Field? {
        switch type {
        // PostgreSQL's `json` takes and gives its text as it is.
        case .other("json"): .text
        case .coarseTimestamp, .other: nil
        default: Field(sending: TypeMapping.columnType(type))
        }
    }
}

extension Dialect {
    /// What this warehouse's COPY reads beyond the common forms, for the encoder's checks.
    var copyReading: CopyReading {
        CopyReading(decimalsReadExponents: decimalsReadExponents, datesReadInfinity: datesReadInfinity)
    }
}
