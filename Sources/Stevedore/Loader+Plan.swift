import Frames
import Warehouse

/// What a store would do, computed without staging or changing anything: the schema inferred from
/// every row, the table changes, and the statements of the load's transaction.
public struct LoadPlan: Sendable, Hashable {
    public var table: TableRef
    public var partition: PartitionSpec?
    public var mode: WriteMode
    public var rows: Int
    /// The data's columns with the warehouse types they load as: what a new column is created as,
    /// or what an existing one is (after any widening).
    public var columns: [ColumnDefinition]
    /// What the load changes in the table and what it costs (a widening that rewrites the table
    /// under an exclusive lock, or only the catalog), and numbers created as text.
    public var notes: [String] = []
    /// The statements in order, as the warehouse would run them (values shown as `$n`; on
    /// PostgreSQL the COPY runs once per staged part).
    public var statements: [String]
}

extension Loader {
    /// Reads every row of `source` (checking the partition and pinned types as a store would),
    /// compares the inferred schema with the table, and returns the statements a store would run.
    /// Nothing is staged and nothing in the warehouse changes.
    public func plan(
        _ source: LoadSource, into table: TableRef, partition: PartitionSpec? = nil,
        mode: WriteMode? = nil
    ) async throws -> LoadPlan {
        try table.validate(for: dialect)
        try partition?.validateKeys(for: dialect, table: table)
        try checkTableDesign(for: table)
        let mode = mode ?? (partition == nil ? .replace : .replacePartition)
        let membership = PartitionMembership(partition)
        let connection = try await connect()
        let existing: [ColumnDefinition]?
        do {
            existing = try await existingColumns(table, on: connection)
        } catch {
            await connection.close()
            throw StevedoreError(
                code: .warehouse, step: .plan, message: "\(error)", table: table.description,
                underlying: error)
        }
        await connection.close()
        var encoder = StagedCSVEncoder(
            nullMarker: dialect.nullMarker,
            pinnedTypes: options.pinnedTypes, targetTypes: TypeMapping.targetTypes(existing, dialect: dialect),
            foldsTargetNames: dialect.foldsIdentifiersToLowercase,
            reading: dialect.copyReading)
        do {
            switch source {
            case .frame(let frame):
                try membership.check(frame)
                try encoder.append(frame)
                _ = encoder.takeOutput()
            case .batches(let batches):
                for try await batch in batches {
                    try membership.check(batch)
                    try encoder.append(batch)
                    _ = encoder.takeOutput()
                }
            }
        } catch let error as StevedoreError {
            throw error
        } catch {
            throw StevedoreError(
                code: .input, step: .encode, message: "\(error)", table: table.description,
                partition: partition?.label, underlying: error)
        }
        let inference = encoder.inference
        let schemaPlan = try SchemaPlan.make(existing: existing, incoming: inference, dialect: dialect, table: table)
        func key(_ name: String) -> String { TypeMapping.key(name, dialect) }
        var folded = Dictionary(
            (existing ?? []).map { (key($0.name), $0.type) }, uniquingKeysWith: { first, _ in first })
        for column in (schemaPlan.createColumns ?? []) + schemaPlan.addColumns {
            folded[key(column.name)] = column.type
        }
        for column in schemaPlan.widenColumns { folded[key(column.name)] = column.to }
        var types: [String: SQLType] = [:]
        for column in existing ?? [] { types[column.name] = folded[key(column.name)] ?? column.type }
        for column in (schemaPlan.createColumns ?? []) + schemaPlan.addColumns { types[column.name] = column.type }
        let bounds = dialect.transactionBounds
        var statements: [String] = []
        let create = try schemaPlan.createColumns.map {
            let design = try options.tableDesign.resolved(against: $0.map(\.name), dialect: dialect, table: table)
            return [
                dialect.createSchema(table.schema).sql,
                dialect.createTable(table.tableName, columns: $0, design: design).sql,
            ]
        }
        if dialect.advisoryLocks != nil {
            let lock = dialect.lock(table.tableName, lockName: "\(table)/\(partition?.label ?? "_all")")
            statements = [bounds.begin, lock.sql] + (create ?? [])
        } else {
            // The table is created in a transaction of its own, so that the load's can lock it first.
            if let create { statements = [bounds.begin] + create + [bounds.commit] }
            statements += [bounds.begin, dialect.lock([table.tableName, options.ledger.table]).sql]
        }
        statements += schemaPlan.addColumns.map { dialect.addColumn(table.tableName, $0).sql }
        statements += schemaPlan.widenColumns.map {
            dialect.alterColumnType(table.tableName, column: $0.name, to: $0.to).sql
        }
        switch mode {
        case .replace: statements.append(dialect.delete(table.tableName, where: nil).sql)
        case .replacePartition:
            statements.append(
                dialect.delete(table.tableName, where: partition?.condition(dialect: dialect, types: types)).sql)
        case .merge(let keys):
            statements.append(dialect.mergeDelete(target: table.tableName, staging: "<staged rows>", keys: keys).sql)
        case .append: break
        }
        switch dialect.copyRoute {
        case .client(let client):
            statements.append(client.copyFromStdin(table.tableName, columns: inference.names, binary: false))
        case .stage(let stageCopy):
            statements.append(stageCopy.copyFromManifestOutline(table.tableName))
        }
        statements += [
            options.ledger.insert(
                LoadLedger.row(
                    loadID: LoadID(rawValue: "<load id>"), table: table, partition: partition, mode: mode,
                    rows: encoder.rowCount, uncompressedBytes: 0, compressedBytes: 0, parts: 0,
                    stagePrefix: "", contentSHA256: "", startedAt: ""), dialect: dialect
            ).sql,
            dialect.transactionBounds.commit,
        ]
        let columns = inference.names.map {
            ColumnDefinition(name: $0, type: dialect.storedType(folded[key($0)] ?? .text))
        }
        var notes = schemaPlan.widenColumns.map { column in
            "column '\(column.name)' widens from \(dialect.typeName(column.from)) to \(dialect.typeName(column.to)): "
                + (column.rewritesTable
                    ? "this rewrites the whole table and locks it (ACCESS EXCLUSIVE) until the load commits"
                    : "this changes only the catalog")
        }
        notes += schemaPlan.notes
        if existing != nil, !options.tableDesign.isDefault {
            notes.append(
                "the table exists: its distribution and sort keys stay as they are (\(options.tableDesign) applies only to a table the load creates)"
            )
        }
        return LoadPlan(
            table: table, partition: partition, mode: mode, rows: encoder.rowCount, columns: columns,
            notes: notes, statements: statements)
    }
}
