/// Type inference over every row of a stream of batches: one `ColumnInference` per column, by name,
/// with the caller's pinned types. The staged CSV encoder runs it in the same pass as it writes.
public struct SchemaInference: Sendable, Hashable {
    /// The column names seen so far, in first-seen order.
    public private(set) var names: [String] = []
    /// One accumulator per column, in `names` order.
    public private(set) var columns: [ColumnInference] = []
    /// Rows observed.
    public private(set) var rowCount = 0
    /// Types fixed by the caller, by column name.
    public let pinnedTypes: [String: ColumnType]
    /// The existing table's column types, by column name: each value is checked against its
    /// column's (see `ColumnInference.targetType`).
    public let targetTypes: [String: ColumnType]
    /// Whether `targetTypes` is keyed by names with ASCII letters lowered (a warehouse that folds
    /// identifiers, as Redshift does), so that a header's `UserID` finds the column `userid`.
    public let foldsTargetNames: Bool
    /// What the warehouse's COPY reads beyond the common forms.
    public let reading: CopyReading

    public init(
        pinnedTypes: [String: ColumnType] = [:], targetTypes: [String: ColumnType] = [:],
        foldsTargetNames: Bool = false, reading: CopyReading = CopyReading()
    ) {
        self.pinnedTypes = pinnedTypes
        self.targetTypes = targetTypes
        self.foldsTargetNames = foldsTargetNames
        self.reading = reading
    }

    /// The inferred schema: each column's narrowest type and whether it held a NULL.
    public var schema: Schema {
        Schema(zip(names, columns).map { Schema.Field(name: $0, type: $1.type, isNullable: $1.isNullable) })
    }

    /// The accumulator of the column called `name`.
    public subscript(name: String) -> ColumnInference? {
        names.firstIndex(of: name).map { columns[$0] }
    }

    /// Observes every field of `batch`; a value that does not fit a pinned type is an error naming
    /// its line, column and value.
    public mutating func observe(_ batch: TextBatch) throws(FrameError) {
        try adopt(batch.columnNames, pinning: [:])
        for row in 0..<batch.rowCount {
            for column in 0..<batch.columnCount {
                try observe(batch, row: row, column: column)
            }
            rowCount += 1
        }
    }

    /// Makes `incoming` the column list: the first call sets it; later lists must start with the
    /// known names (new columns are added, earlier rows count as NULL in them).
    mutating func adopt(_ incoming: [String], pinning declared: [String: ColumnType]) throws(FrameError) {
        if incoming.count == names.count && incoming == names { return }
        guard incoming.count >= names.count, Array(incoming.prefix(names.count)) == names else {
            throw FrameError(
                kind: .shapeMismatch,
                message: "columns changed from \(names) to \(incoming)")
        }
        for name in incoming.dropFirst(names.count) {
            var inference = ColumnInference(
                pinnedType: pinnedTypes[name] ?? declared[name],
                targetType: targetTypes[foldsTargetNames ? Self.asciiLowercased(name) : name],
                reading: reading)
            for _ in 0..<rowCount { inference.observeNull() }
            names.append(name)
            columns.append(inference)
        }
    }

    /// `name` with ASCII letters lowered (other letters kept), as Redshift folds identifiers.
    public static func asciiLowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    @inline(__always)
    mutating func observe(_ batch: TextBatch, row: Int, column: Int) throws(FrameError) {
        if batch.isNull(row: row, column: column) {
            columns[column].observeNull()
            return
        }
        let field = batch.bytes(row: row, column: column)
        let observed =
            batch.isNestedJSON(column: column)
            ? columns[column].observeNestedJSON(bytes: field) : columns[column].observe(bytes: field)
        switch observed {
        case .accepted: break
        case .refusedByPin: throw misfit(field, column: column, file: batch.file, line: batch.line(ofRow: row))
        case .firstTargetMisfit: columns[column].locateMisfit(file: batch.file, line: batch.line(ofRow: row))
        }
    }

    mutating func observePinned(column: Int, byteLength: Int) {
        columns[column].observePinned(byteLength: byteLength)
    }

    @inline(__always)
    mutating func observeText<Bytes: RandomAccessCollection<UInt8>>(_ field: Bytes, column: Int)
        -> ColumnInference.Observed where Bytes.Index == Int
    {
        columns[column].observe(bytes: field)
    }

    mutating func observeNestedJSON<Bytes: RandomAccessCollection<UInt8>>(_ field: Bytes, column: Int)
        -> ColumnInference.Observed where Bytes.Index == Int
    {
        columns[column].observeNestedJSON(bytes: field)
    }

    mutating func locateMisfit(column: Int, file: String?, line: Int?) {
        columns[column].locateMisfit(file: file, line: line)
    }

    mutating func observeNull(column: Int) {
        columns[column].observeNull()
    }

    mutating func endRow() {
        rowCount += 1
    }

    func misfit<Bytes: Collection<UInt8>>(_ field: Bytes, column: Int, file: String?, line: Int?) -> FrameError {
        let type = columns[column].pinnedType ?? .text
        return FrameError(
            kind: .valueDoesNotFit(type), file: file, line: line, column: column + 1,
            columnName: names[column], value: String(decoding: field, as: UTF8.self),
            message: "value does not fit the pinned type \(type)")
    }
}
