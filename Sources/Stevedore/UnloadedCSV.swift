import Warehouse

/// Rewrites the CSV an UNLOAD wrote (`RedshiftDialect.unloadSelect`: the columns, then a NULL flag
/// for each column whose text could be anything) into the CSV Stevedore stages and reads: NULL as
/// an unquoted `\N`, every flagged column's value quoted (so a text `\N` stays text), the flags
/// dropped. Takes the file in chunks of any size; a record may span chunks.
struct UnloadedCSV: Sendable {
    /// How many fields of a record are columns; the flags follow them.
    let columnCount: Int
    /// For each column, the index of the field holding its NULL flag, or nil when it has none.
    let flagFields: [Int?]
    private let fieldCount: Int
    private var fields: [(bytes: [UInt8], quoted: Bool)] = []
    private var field: [UInt8] = []
    private var fieldQuoted = false
    private var state = State.fieldStart
    private var line = 1

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Whether an unloaded column of `type` needs a NULL flag: any value of its text could equal
    /// the NULL AS string (VARCHAR, CHAR and the types Stevedore keeps as text), or it is SUPER,
    /// which ignores NULL AS.
    static func flagsNulls(of type: SQLType) -> Bool {
        switch type {
        case .varchar, .text, .json, .other: true
        default: false
        }
    }

    /// A rewriter for records of `columnCount` columns, followed by the flags of the columns at
    /// `flagged`, in that order.
    init(columnCount: Int, flagged: [Int]) {
        self.columnCount = columnCount
        var flagFields = [Int?](repeating: nil, count: columnCount)
        for (offset, column) in flagged.enumerated() { flagFields[column] = columnCount + offset }
        self.flagFields = flagFields
        fieldCount = columnCount + flagged.count
    }

    /// The rewritten records that `chunk` completes.
    mutating func rewrite(_ chunk: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(chunk.count + chunk.count / 8)
        for byte in chunk {
            switch state {
            case .fieldStart:
                switch byte {
                case Self.quote:
                    fieldQuoted = true
                    state = .quoted
                case Self.comma: endField()
                case Self.lineFeed: try endRecord(into: &output)
                default:
                    field.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                switch byte {
                case Self.comma: endField()
                case Self.lineFeed: try endRecord(into: &output)
                default: field.append(byte)
                }
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                } else {
                    if byte == Self.lineFeed { line += 1 }
                    field.append(byte)
                }
            case .quoteInQuoted:
                switch byte {
                case Self.quote:
                    field.append(byte)
                    state = .quoted
                case Self.comma: endField()
                case Self.lineFeed: try endRecord(into: &output)
                default: throw malformed("a quote inside a quoted field is not doubled")
                }
            }
        }
        return output
    }

    /// The last record, when the file does not end with a line feed; throws when it ends inside a
    /// quoted field.
    mutating func finish() throws -> [UInt8] {
        if state == .quoted { throw malformed("a quoted field is not closed at the end of the file") }
        guard state != .fieldStart || !fields.isEmpty else { return [] }
        var output: [UInt8] = []
        try endRecord(into: &output)
        return output
    }

    private mutating func endField() {
        fields.append((field, fieldQuoted))
        field = []
        fieldQuoted = false
        state = .fieldStart
    }

    private mutating func endRecord(into output: inout [UInt8]) throws {
        endField()
        defer {
            fields.removeAll(keepingCapacity: true)
            line += 1
        }
        guard fields.count == fieldCount else {
            throw malformed("the record has \(fields.count) fields, not \(fieldCount)")
        }
        for column in 0..<columnCount {
            if column > 0 { output.append(Self.comma) }
            let value = fields[column]
            if let flag = flagFields[column] {
                switch fields[flag].bytes {
                case [UInt8(ascii: "1")]: output += Self.null
                case [UInt8(ascii: "0")]: Self.appendQuoted(value.bytes, to: &output)
                default: throw malformed("the NULL flag of column \(column + 1) is neither 0 nor 1")
                }
            } else if value.quoted {
                Self.appendQuoted(value.bytes, to: &output)
            } else {
                output += value.bytes
            }
        }
        output.append(Self.lineFeed)
    }

    private static func appendQuoted(_ bytes: [UInt8], to output: inout [UInt8]) {
        output.append(quote)
        for byte in bytes {
            if byte == quote { output.append(quote) }
            output.append(byte)
        }
        output.append(quote)
    }

    private func malformed(_ problem: String) -> StevedoreError {
        StevedoreError(
            code: .stage, step: .loadBack, message: "the unloaded CSV is malformed at line \(line): \(problem)")
    }

    /// `\N`, the NULL of the CSV Stevedore stages for Redshift.
    private static let null: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "N")]
    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
}
