/// Rows of raw text fields (or NULL) as the CSV and JSON Lines readers deliver them, before any
/// typing: every field's bytes in one buffer, so a batch costs a few allocations, not one per field.
public struct TextBatch: Sendable, Hashable {
    /// The column names, in order.
    public internal(set) var columnNames: [String]
    /// The input the rows came from, for error messages.
    public var file: String?
    public internal(set) var rowCount = 0
    /// Field bytes, row after row (the CSV reader leaves separators between them).
    var bytes: [UInt8] = []
    /// Where each field's bytes are, row-major.
    var fields: [FieldSpan] = []
    /// The physical line each row starts on.
    var lines: [Int] = []
    /// Per column, whether every value of the batch is a nested JSON object or array (a JSON Lines
    /// row's); empty when no column is.
    var nestedJSONColumns: [Bool] = []
    /// Per column, the type the input declares (an Arrow schema's), nil where it declares none;
    /// empty for untyped input (CSV, JSON Lines), whose types are inferred.
    public internal(set) var declaredTypes: [ColumnType?] = []

    public init(columnNames: [String], file: String? = nil) {
        self.columnNames = columnNames
        self.file = file
    }

    /// A batch of `rows` (each one value per column, nil for NULL), for tests and small inputs.
    public init(columnNames: [String], rows: [[String?]], file: String? = nil) throws(FrameError) {
        self.init(columnNames: columnNames, file: file)
        for (index, row) in rows.enumerated() {
            guard row.count == columnNames.count else {
                throw FrameError(
                    kind: .shapeMismatch, file: file, line: index + 1,
                    message: "row has \(row.count) values for \(columnNames.count) columns")
            }
            for field in row {
                appendField(field.map { Array($0.utf8) }.map { $0[...] })
            }
            endRow(line: index + 1)
        }
    }

    public var columnCount: Int { columnNames.count }
    /// Bytes held (field text, and for CSV the separators between fields).
    public var byteCount: Int { bytes.count }

    /// True when the field is NULL.
    public func isNull(row: Int, column: Int) -> Bool {
        fields[row * columnNames.count + column].isNull
    }

    /// The field's UTF-8 bytes (empty for NULL).
    public func bytes(row: Int, column: Int) -> ArraySlice<UInt8> {
        bytes[fields[row * columnNames.count + column].range]
    }

    /// The field's text, or nil for NULL.
    public func string(row: Int, column: Int) -> String? {
        isNull(row: row, column: column) ? nil : String(decoding: bytes(row: row, column: column), as: UTF8.self)
    }

    /// True when every non-NULL value of `column` in this batch is a nested JSON object or array.
    public func isNestedJSON(column: Int) -> Bool {
        column < nestedJSONColumns.count && nestedJSONColumns[column]
    }

    /// The physical line row `row` starts on.
    public func line(ofRow row: Int) -> Int {
        lines[row]
    }

    /// All rows as strings, for tests and small inputs.
    public var rows: [[String?]] {
        (0..<rowCount).map { row in (0..<columnCount).map { string(row: row, column: $0) } }
    }

    mutating func appendField(_ field: ArraySlice<UInt8>?) {
        let start = bytes.count
        if let field { bytes.append(contentsOf: field) }
        fields.append(FieldSpan(start: start, end: bytes.count, isNull: field == nil))
    }

    /// Appends one field written by `write` straight into the batch's buffer.
    mutating func appendField<Failure: Error>(_ write: (inout [UInt8]) throws(Failure) -> Void) throws(Failure) {
        let start = bytes.count
        try write(&bytes)
        fields.append(FieldSpan(start: start, end: bytes.count, isNull: false))
    }

    mutating func endRow(line: Int) {
        lines.append(line)
        rowCount += 1
    }

    /// Batches are equal when they hold the same names and rows (same lines, NULLs and field
    /// text), however the fields were laid out in the buffer.
    public static func == (lhs: TextBatch, rhs: TextBatch) -> Bool {
        guard lhs.columnNames == rhs.columnNames, lhs.file == rhs.file, lhs.rowCount == rhs.rowCount,
            lhs.lines == rhs.lines, lhs.fields.count == rhs.fields.count
        else { return false }
        for (left, right) in zip(lhs.fields, rhs.fields) {
            guard left.isNull == right.isNull, lhs.bytes[left.range] == rhs.bytes[right.range] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(columnNames)
        hasher.combine(rowCount)
        for field in fields {
            hasher.combine(field.isNull)
            hasher.combine(bytes[field.range].count)
        }
    }

    mutating func reserveCapacity(bytes byteCount: Int, fields fieldCount: Int, rows: Int) {
        bytes.reserveCapacity(byteCount)
        fields.reserveCapacity(fieldCount)
        lines.reserveCapacity(rows)
    }

    mutating func removeAll() {
        rowCount = 0
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        nestedJSONColumns.removeAll(keepingCapacity: true)
        declaredTypes.removeAll(keepingCapacity: true)
    }
}

/// Where one field's bytes lie in a batch's buffer; NULL is an empty span marked as such.
struct FieldSpan: Sendable, Hashable {
    var start: Int
    /// The end offset, or -1 - start for NULL.
    private var encodedEnd: Int

    init(start: Int, end: Int, isNull: Bool) {
        self.start = start
        encodedEnd = isNull ? -1 - start : end
    }

    var isNull: Bool { encodedEnd < 0 }
    var range: Range<Int> { start..<(encodedEnd < 0 ? start : encodedEnd) }
}
