import Warehouse

/// What a load must do to the table before copying: create it, add columns, widen columns, all
/// decided from the table's columns and the data's inferred ones before any row is deleted.
/// Additive only: a column the data lacks loads NULL; a change that could lose data is an error.
struct SchemaPlan: Sendable, Hashable {
    /// Set when the table does not exist yet.
    var createColumns: [ColumnDefinition]?
    var addColumns: [ColumnDefinition] = []
    /// Columns whose type must widen, with where that may run.
    var widenColumns: [WidenedColumn] = []

    struct WidenedColumn: Sendable, Hashable {
        var name: String
        var from: SQLType
        var to: SQLType
        var widening: Widening
    }

    var needsDDL: Bool { createColumns != nil || !addColumns.isEmpty || !widenColumns.isEmpty }

    /// The plan for loading `incoming` into a table whose columns are `existing` (nil: no table).
    /// `untyped` names incoming columns the data gave no value for (all NULL, not pinned): their
    /// inferred type says nothing, so an existing column of that name is taken as it is (NULL
    /// loads into any type); only a missing one is added.
    static func make(existing: [ColumnDefinition]?, incoming: [ColumnDefinition], dialect: any Dialect,
                     table: TableRef, untyped: Set<String> = []) throws -> SchemaPlan {
        guard let existing else {
            return SchemaPlan(createColumns: incoming)
        }
        func key(_ name: String) -> String { dialect.foldsIdentifiersToLowercase ? name.lowercased() : name }
        let byName = Dictionary(existing.map { (key($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        var plan = SchemaPlan()
        for column in incoming {
            guard let current = byName[key(column.name)] else {
                plan.addColumns.append(ColumnDefinition(name: column.name, type: column.type, isNullable: true))
                continue
            }
            if untyped.contains(column.name) { continue }
            let stored = dialect.storedType(column.type)
            if TypeMapping.loads(stored, into: current.type) { continue }
            guard let widening = dialect.widening(from: current.type, to: stored) else {
                throw StevedoreError(
                    code: .incompatibleSchema, step: .ddl,
                    message: "column '\(column.name)' is \(dialect.typeName(current.type)) in the table, but the data "
                        + "holds \(dialect.typeName(stored)) values, and \(dialect.name) cannot widen one into the other; "
                        + "pin the column's type or change the table",
                    table: table.description)
            }
            plan.widenColumns.append(WidenedColumn(name: current.name, from: current.type, to: stored, widening: widening))
        }
        let incomingNames = Set(incoming.map { key($0.name) })
        if let required = existing.first(where: { !$0.isNullable && !incomingNames.contains(key($0.name)) }) {
            throw StevedoreError(code: .incompatibleSchema, step: .ddl,
                                 message: "column '\(required.name)' is NOT NULL, but the data has no such column",
                                 table: table.description)
        }
        return plan
    }
}
