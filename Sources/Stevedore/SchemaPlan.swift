import Frames
import Warehouse

/// What a load must do to the table before copying: create it, add columns, widen columns, all
/// decided from the table's columns and the data's values before any row is deleted. A value that
/// fits its existing column's type needs nothing; additive only: a column the data lacks loads NULL
/// or its default, and a change that could lose data is an error.
struct SchemaPlan: Sendable, Hashable {
    /// Set when the table does not exist yet.
    var createColumns: [ColumnDefinition]?
    var addColumns: [ColumnDefinition] = []
    /// Columns whose type must widen, with where that may run.
    var widenColumns: [WidenedColumn] = []
    /// What the plan chose that a user would want to know (numbers created as text).
    var notes: [String] = []

    struct WidenedColumn: Sendable, Hashable {
        var name: String
        var from: SQLType
        var to: SQLType
        var widening: Widening
        /// The change rewrites every row under an exclusive lock (not only the catalog).
        var rewritesTable: Bool
    }

    var needsDDL: Bool { createColumns != nil || !addColumns.isEmpty || !widenColumns.isEmpty }

    /// The plan for loading the values `incoming` describes into a table whose columns are
    /// `existing` (nil: no table). A column is left alone when every value fitted its type (the
    /// encoder checked each against `targetType`) or when the values' own type loads into it; a
    /// column without any value (all NULL, not pinned) loads into any type.
    static func make(
        existing: [ColumnDefinition]?, incoming: SchemaInference, dialect: any Dialect,
        table: TableRef
    ) throws -> SchemaPlan {
        let columns = Array(zip(incoming.names, incoming.columns))
        var plan = SchemaPlan()
        guard let existing else {
            plan.createColumns = columns.map {
                ColumnDefinition(name: $0, type: TypeMapping.createdType($1, dialect: dialect))
            }
            plan.notes = columns.compactMap { TypeMapping.textNote($0, $1, dialect: dialect) }
            try refuseTypes(plan.createColumns ?? [], dialect: dialect, table: table)
            return plan
        }
        func key(_ name: String) -> String { dialect.foldsIdentifiersToLowercase ? name.lowercased() : name }
        let byName = Dictionary(existing.map { (key($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        for (name, column) in columns {
            guard let current = byName[key(name)] else {
                plan.addColumns.append(
                    ColumnDefinition(name: name, type: TypeMapping.createdType(column, dialect: dialect)))
                plan.notes += TypeMapping.textNote(name, column, dialect: dialect).map { [$0] } ?? []
                continue
            }
            if let widened = try widening(name, column, current: current, dialect: dialect, table: table) {
                plan.widenColumns.append(widened)
            }
        }
        try refuseTypes(plan.addColumns, dialect: dialect, table: table)
        let incomingNames = Set(incoming.names.map(key))
        if let required = existing.first(where: { !$0.isNullable && !incomingNames.contains(key($0.name)) }) {
            throw StevedoreError(
                code: .incompatibleSchema, step: .ddl,
                message: "column '\(required.name)' is NOT NULL, but the data has no such column",
                table: table.description)
        }
        return plan
    }

    /// Throws for the first column of a type the warehouse has no column for.
    private static func refuseTypes(_ columns: [ColumnDefinition], dialect: any Dialect, table: TableRef) throws {
        for column in columns {
            if let reason = dialect.refusal(ofColumnType: column.type) {
                throw StevedoreError(
                    code: .incompatibleSchema, step: .ddl, message: "column '\(column.name)': \(reason)",
                    table: table.description)
            }
        }
    }

    /// How an existing column must change for `column`'s values: nil when it takes them as it is.
    static func widening(
        _ name: String, _ column: ColumnInference, current: ColumnDefinition, dialect: any Dialect,
        table: TableRef
    ) throws -> WidenedColumn? {
        if column.valueCount == 0 && column.isInferred { return nil }
        if case .coarseTimestamp(let digits, let zoned) = current.type, column.fitsTarget,
            column.targetType == TypeMapping.targetType(current.type)
        {
            // Every value is a timestamp the column takes, but the server would round those with
            // finer fractions than its own: microseconds keep them (a change of the catalog only).
            guard column.maxFractionDigits > digits else { return nil }
            let wanted: SQLType = zoned ? .timestamptz : .timestamp
            guard let widening = dialect.widening(from: current.type, to: wanted) else {
                throw incompatible(name, current: current.type, wanted: wanted, column, dialect: dialect, table: table)
            }
            return WidenedColumn(
                name: current.name, from: current.type, to: wanted, widening: widening,
                rewritesTable: dialect.rewritesTable(from: current.type, to: wanted))
        }
        let narrow = dialect.storedType(TypeMapping.sqlType(column.type, maxByteLength: max(1, column.maxByteLength)))
        let checked = column.fitsTarget && column.targetType == TypeMapping.targetType(current.type)
        if checked || TypeMapping.loads(narrow, into: current.type) {
            // The values fit the type; a VARCHAR must also be long enough, in the unit the
            // warehouse counts its length in.
            let length = dialect.varcharLengthInCharacters ? column.maxCharacterLength : column.maxByteLength
            guard case .varchar(let available) = current.type, length > available else { return nil }
        }
        let wanted = TypeMapping.union(
            current.type, dialect.storedType(TypeMapping.createdType(column, dialect: dialect)))
        guard let widening = dialect.widening(from: current.type, to: wanted) else {
            throw incompatible(name, current: current.type, wanted: wanted, column, dialect: dialect, table: table)
        }
        return WidenedColumn(
            name: current.name, from: current.type, to: wanted, widening: widening,
            rewritesTable: dialect.rewritesTable(from: current.type, to: wanted))
    }

    private static func incompatible(
        _ name: String, current: SQLType, wanted: SQLType, _ column: ColumnInference,
        dialect: any Dialect, table: TableRef
    ) -> StevedoreError {
        let have = dialect.typeName(current)
        guard let misfit = column.firstMisfit else {
            return StevedoreError(
                code: .incompatibleSchema, step: .ddl,
                message:
                    "column '\(name)' is \(have) in the table, but the data holds \(dialect.typeName(wanted)) values, "
                    + "and \(dialect.name) cannot widen one into the other; pin the column's type or change the table",
                table: table.description)
        }
        var place: [String] = []
        if let file = misfit.file { place.append(file) }
        if let line = misfit.line { place.append("line \(line)") }
        let count = column.misfitCount > 1 ? " (and \(column.misfitCount - 1) more values)" : ""
        return StevedoreError(
            code: .incompatibleSchema, step: .ddl,
            message: "column '\(name)' is \(have) in the table, but the value '\(misfit.value)'"
                + (place.isEmpty ? "" : " (\(place.joined(separator: ", ")))") + "\(count) does not fit it, "
                + "and \(dialect.name) cannot widen \(have) to \(dialect.typeName(wanted)); fix the value, or change the table",
            table: table.description)
    }
}
