/// Rows of raw text fields (or NULL) as the CSV and JSON Lines readers deliver them, before any
/// typing: every field's bytes in one buffer, so a batch costs a few allocations, not one per field.
public struct TextBatch: Sendable, Hashable {
    /// The column names, in order.
    public internal(set) var columnNames: [String]
    /// The input the rows came from, for error messages.
    public var file: String?
    public internal(set) var rowCount = 0
    /// Field bytes, row after row.
    var bytes: [UInt8] = []
    /// The end offset in `bytes` of each field, row-major; a field starts where the previous ends.
    var ends: [Int] = []
    var nulls: [Bool] = []
    /// The physical line each row starts on.
    var lines: [Int] = []

    public init(columnNames: [String], file: String? = nil) {
        self.columnNames = columnNames
        self.file = file
    }

    /// A batch of `rows` (each one value per column, nil for NULL), for tests and small inputs.
    public init(columnNames: [String], rows: [[String?]], file: String? = nil) throws(FrameError) {
        self.init(columnNames: columnNames, file: file)
        for (index, row) in rows.enumerated() {
            guard row.count == columnNames.count else {
                throw FrameError(kind: .shapeMismatch, file: file, line: index + 1,
                                 message: "row has \(row.count) values for \(columnNames.count) columns")
            }
            for field in row {
                appendField(field.map { Array($0.utf8) }.map { $0[...] })
            }
            endRow(line: index + 1)
        }
    }

    public var columnCount: Int { columnNames.count }
    /// Bytes of field text held (without separators).
    public var byteCount: Int { bytes.count }

    /// True when the field is NULL.
    public func isNull(row: Int, column: Int) -> Bool {
        nulls[row * columnNames.count + column]
    }

    /// The field's UTF-8 bytes (empty for NULL).
    public func bytes(row: Int, column: Int) -> ArraySlice<UInt8> {
        let index = row * columnNames.count + column
        return bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    /// The field's text, or nil for NULL.
    public func string(row: Int, column: Int) -> String? {
        isNull(row: row, column: column) ? nil : String(decoding: bytes(row: row, column: column), as: UTF8.self)
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
        if let field { bytes.append(contentsOf: field) }
        ends.append(bytes.count)
        nulls.append(field == nil)
    }

    mutating func endRow(line: Int) {
        lines.append(line)
        rowCount += 1
    }

    mutating func removeAll() {
        rowCount = 0
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        nulls.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }
}
