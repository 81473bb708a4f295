/// The names, types and nullability of a frame's columns, in order; travels with every frame and
/// is what inference produces for the warehouse table.
public struct Schema: Sendable, Hashable, CustomStringConvertible {
    /// One column's description.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: ColumnType
        public var isNullable: Bool

        public init(name: String, type: ColumnType, isNullable: Bool = true) {
            self.name = name
            self.type = type
            self.isNullable = isNullable
        }
    }

    public var fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public var names: [String] { fields.map(\.name) }

    /// The field called `name`, if any.
    public subscript(name: String) -> Field? {
        fields.first { $0.name == name }
    }

    /// The position of the field called `name`.
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    public var description: String {
        fields.map { "\($0.name) \($0.type)\($0.isNullable ? "" : " not null")" }.joined(separator: ", ")
    }

    /// Throws `duplicateHeader` or `emptyHeader` for the first bad name.
    static func checkNames(_ names: [String], file: String?, line: Int?) throws(FrameError) {
        var seen = Set<String>()
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                throw FrameError(
                    kind: .emptyHeader, file: file, line: line, column: index + 1,
                    message: "empty column name")
            }
            if !seen.insert(name).inserted {
                throw FrameError(
                    kind: .duplicateHeader, file: file, line: line, column: index + 1,
                    columnName: name, message: "duplicate column name")
            }
        }
    }
}
