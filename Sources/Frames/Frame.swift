/// Named, typed columns of equal length: the unit of data Stevedore stages and loads back.
/// Build it from columns or row by row; compare with `==`; cut it into batches.
public struct Frame: Sendable, Hashable {
    public private(set) var columns: [Column]

    /// A frame of `columns`, which must have distinct, non-empty names and the same length.
    public init(columns: [Column]) throws(FrameError) {
        try Schema.checkNames(columns.map(\.name), file: nil, line: nil)
        if let first = columns.first, let other = columns.first(where: { $0.count != first.count }) {
            throw FrameError(
                kind: .shapeMismatch, columnName: other.name,
                message: "column has \(other.count) values, \"\(first.name)\" has \(first.count)")
        }
        self.columns = columns
    }

    /// An empty frame of `schema`'s columns, to append rows to.
    public init(schema: Schema) throws(FrameError) {
        try self.init(columns: schema.fields.map { Column(name: $0.name, type: $0.type, isNullable: $0.isNullable) })
    }

    init(uncheckedColumns columns: [Column]) {
        self.columns = columns
    }

    public var schema: Schema { Schema(columns.map(\.field)) }
    public var rowCount: Int { columns.first?.count ?? 0 }
    public var columnCount: Int { columns.count }

    /// The column called `name`.
    public subscript(name: String) -> Column? {
        columns.first { $0.name == name }
    }

    /// The values of row `index`, one per column.
    public func row(_ index: Int) -> [Value?] {
        columns.map { $0.values[index] }
    }

    /// Appends one row of values, one per column, each checked against its column's type.
    public mutating func append(row: [Value?]) throws(FrameError) {
        guard row.count == columns.count else {
            throw FrameError(kind: .shapeMismatch, message: "row has \(row.count) values for \(columns.count) columns")
        }
        for (index, value) in row.enumerated() {
            try Column.check(
                value, type: columns[index].type, nullable: columns[index].isNullable,
                name: columns[index].name, row: rowCount)
        }
        for (index, value) in row.enumerated() {
            columns[index].appendUnchecked(value)
        }
    }

    /// Appends the rows of `other`, which must have the same column names and types.
    public mutating func append(contentsOf other: Frame) throws(FrameError) {
        guard other.columns.map(\.name) == columns.map(\.name),
            other.columns.map(\.type) == columns.map(\.type)
        else {
            throw FrameError(kind: .shapeMismatch, message: "appended frame has other columns: \(other.schema)")
        }
        for index in columns.indices {
            if other.columns[index].isNullable && !columns[index].isNullable
                && other.columns[index].values.contains(nil)
            {
                throw FrameError(
                    kind: .valueDoesNotFit(columns[index].type), columnName: columns[index].name,
                    message: "NULL in a NOT NULL column")
            }
            columns[index].appendUnchecked(contentsOf: other.columns[index].values)
        }
    }

    /// The rows in `range`.
    public func slice(_ range: Range<Int>) -> Frame {
        Frame(uncheckedColumns: columns.map { $0.slice(range) })
    }

    /// Consecutive slices of at most `maxRows` rows each, covering every row.
    public func batches(maxRows: Int) -> [Frame] {
        precondition(maxRows > 0, "batches need at least one row each")
        return stride(from: 0, to: rowCount, by: maxRows).map { slice($0..<min($0 + maxRows, rowCount)) }
    }
}
