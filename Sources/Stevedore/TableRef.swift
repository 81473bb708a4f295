import Warehouse

/// The table a load writes to: a schema and a table name, from a dotted name (`analytics.sales`,
/// or `sales` in `public`) or an asset-key path (`["analytics", "sales", "daily"]` → schema
/// `analytics_sales`, table `daily`). Quoted only through `quoteIdentifier`.
public struct TableRef: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var schema: String
    public var table: String

    /// The schema used when a name has none.
    public static let defaultSchema = "public"

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// `schema.table` or `table`; more dots than one is an error (quote-free names only).
    public init(parsing name: String) throws {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: self.init(schema: Self.defaultSchema, table: parts[0])
        case 2: self.init(schema: parts[0], table: parts[1])
        default:
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message: "'\(name)' is not a table name: use schema.table or table")
        }
        try validate()
    }

    /// A Dagster-style asset key: the last element is the table, the others joined with `_` the schema.
    public init(assetKey: [String]) throws {
        guard let last = assetKey.last else {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: "an asset key needs at least one element")
        }
        let prefix = assetKey.dropLast()
        self.init(schema: prefix.isEmpty ? Self.defaultSchema : prefix.joined(separator: "_"), table: last)
        try validate()
    }

    /// A literal such as `"analytics.sales"`; invalid literals trap, so use `init(parsing:)` for input.
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Empty names, NUL bytes and, for `dialect`, names longer than it keeps are errors.
    public func validate(for dialect: (any Dialect)? = nil) throws {
        for (kind, name) in [("schema", schema), ("table", table)] {
            if name.isEmpty {
                throw StevedoreError(
                    code: .invalidRequest, step: .plan, message: "the \(kind) name is empty", table: description)
            }
            if name.utf8.contains(0) {
                throw StevedoreError(
                    code: .invalidRequest, step: .plan, message: "the \(kind) name contains a NUL byte")
            }
            if let dialect, name.utf8.count > dialect.maxIdentifierBytes {
                throw StevedoreError(
                    code: .invalidRequest, step: .plan,
                    message:
                        "the \(kind) name '\(name)' is \(name.utf8.count) bytes; \(dialect.name) keeps at most \(dialect.maxIdentifierBytes)",
                    table: description)
            }
        }
    }

    /// The name the warehouse layer uses.
    public var tableName: TableName { TableName(schema: schema, table: table) }

    /// `"schema"."table"`.
    public var quoted: String { tableName.quoted }

    public var description: String { "\(schema).\(table)" }
}
