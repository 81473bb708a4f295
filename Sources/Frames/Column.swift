/// One named, typed column of a `Frame`: its values in row order, `nil` for NULL.
public struct Column: Sendable, Hashable {
    public var name: String
    public private(set) var type: ColumnType
    /// False when the column may not hold NULL.
    public private(set) var isNullable: Bool
    public private(set) var values: [Value?]

    /// A column of `values`, each checked to fit `type` exactly. Nullability defaults to whether
    /// a NULL is present.
    public init(name: String, type: ColumnType, values: [Value?], isNullable: Bool? = nil) throws(FrameError) {
        let nullable = isNullable ?? values.contains(nil)
        for (row, value) in values.enumerated() {
            try Column.check(value, type: type, nullable: nullable, name: name, row: row)
        }
        self.init(unchecked: name, type: type, values: values, isNullable: nullable)
    }

    /// An empty column.
    public init(name: String, type: ColumnType, isNullable: Bool = true) {
        self.init(unchecked: name, type: type, values: [], isNullable: isNullable)
    }

    init(unchecked name: String, type: ColumnType, values: [Value?], isNullable: Bool) {
        self.name = name
        self.type = type
        self.values = values
        self.isNullable = isNullable
    }

    public var count: Int { values.count }

    /// This column's name, type and nullability.
    public var field: Schema.Field { Schema.Field(name: name, type: type, isNullable: isNullable) }

    /// Appends one value, checked against the column's type and nullability.
    public mutating func append(_ value: Value?) throws(FrameError) {
        try Column.check(value, type: type, nullable: isNullable, name: name, row: values.count)
        values.append(value)
    }

    mutating func appendUnchecked(_ value: Value?) {
        values.append(value)
    }

    mutating func appendUnchecked(contentsOf other: [Value?]) {
        values.append(contentsOf: other)
    }

    mutating func reserveCapacity(_ count: Int) {
        values.reserveCapacity(count)
    }

    /// The rows in `range`.
    public func slice(_ range: Range<Int>) -> Column {
        Column(unchecked: name, type: type, values: Array(values[range]), isNullable: isNullable)
    }

    static func check(_ value: Value?, type: ColumnType, nullable: Bool, name: String, row: Int) throws(FrameError) {
        guard let value else {
            if nullable { return }
            throw FrameError(
                kind: .valueDoesNotFit(type), column: nil, columnName: name,
                message: "NULL in a NOT NULL column at row \(row + 1)")
        }
        guard value.fits(type) else {
            throw FrameError(
                kind: .valueDoesNotFit(type), columnName: name, value: value.description,
                message: "row \(row + 1): value is not a \(type)")
        }
    }
}
