/// Typing raw batches into frames.
extension Frame {
    /// The rows of `batch` typed by `schema`: each schema column is read from the batch column of the
    /// same name (all NULL when the batch lacks it); a field that is not a valid, exact value of its
    /// type is an error naming its line, column and value.
    public init(_ batch: TextBatch, schema: Schema) throws(FrameError) {
        let known = Set(schema.names)
        if let extra = batch.columnNames.firstIndex(where: { !known.contains($0) }) {
            throw FrameError(
                kind: .shapeMismatch, file: batch.file, column: extra + 1,
                columnName: batch.columnNames[extra], message: "column is not in the schema")
        }
        var columns: [Column] = []
        for field in schema.fields {
            var column = Column(name: field.name, type: field.type, isNullable: field.isNullable)
            column.reserveCapacity(batch.rowCount)
            let source = batch.columnNames.firstIndex(of: field.name)
            for row in 0..<batch.rowCount {
                guard let source, !batch.isNull(row: row, column: source) else {
                    guard field.isNullable else {
                        throw FrameError(
                            kind: .valueDoesNotFit(field.type), file: batch.file,
                            line: batch.line(ofRow: row), column: source.map { $0 + 1 },
                            columnName: field.name, message: "NULL in a NOT NULL column")
                    }
                    column.appendUnchecked(nil)
                    continue
                }
                let text = batch.bytes(row: row, column: source)
                guard let value = Value.parse(text, as: field.type) else {
                    throw FrameError(
                        kind: .valueDoesNotFit(field.type), file: batch.file,
                        line: batch.line(ofRow: row), column: source + 1, columnName: field.name,
                        value: String(decoding: text, as: UTF8.self),
                        message: "value is not a \(field.type)")
                }
                column.appendUnchecked(value)
            }
            columns.append(column)
        }
        self.init(uncheckedColumns: columns)
    }
}
