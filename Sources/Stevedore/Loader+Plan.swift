import Frames
import Warehouse

/// What a store would do, computed without staging or changing anything: the schema inferred from
/// every row, the table changes, and the statements of the load's transaction.
public struct LoadPlan: Sendable, Hashable {
    public var table: TableRef
    public var partition: PartitionSpec?
    public var mode: WriteMode
    public var rows: Int
    /// The inferred columns with the warehouse types they load as.
    public var columns: [ColumnDefinition]
    /// The statements in order, as the warehouse would run them (values shown as `$n`; on
    /// PostgreSQL the COPY runs once per staged part).
    public var statements: [String]
}

extension Loader {
    /// Reads every row of `source` (checking the partition and pinned types as a store would),
    /// compares the inferred schema with the table, and returns the statements a store would run.
    /// Nothing is staged and nothing in the warehouse changes.
    public func plan(_ source: LoadSource, into table: TableRef, partition: PartitionSpec? = nil,
                     mode: WriteMode? = nil) async throws -> LoadPlan {
        try table.validate(for: dialect)
        let mode = mode ?? (partition == nil ? .replace : .replacePartition)
        let membership = PartitionMembership(partition)
        var encoder = StagedCSVEncoder(nullMarker: dialect.name == "redshift" ? .backslashN : .emptyField,
                                       pinnedTypes: options.pinnedTypes)
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
            throw StevedoreError(code: .input, step: .encode, message: "\(error)", table: table.description,
                                 partition: partition?.label, underlying: error)
        }
        let lengths = Dictionary(zip(encoder.inference.names, encoder.inference.columns.map(\.maxByteLength)),
                                 uniquingKeysWith: { first, _ in first })
        let incoming = encoder.schema.fields.map {
            ColumnDefinition(name: $0.name, type: TypeMapping.sqlType($0.type, maxByteLength: lengths[$0.name] ?? 1))
        }
        let connection = try await connect()
        do {
            let existing = try await existingColumns(table, on: connection)
            await connection.close()
            let schemaPlan = try SchemaPlan.make(existing: existing, incoming: incoming, dialect: dialect, table: table)
            let types = Dictionary((existing ?? incoming).map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
            var statements = ["BEGIN", dialect.lock(table.tableName, lockName: "\(table)/\(partition?.label ?? "_all")").sql]
            if let columns = schemaPlan.createColumns {
                statements += [dialect.createSchema(table.schema).sql, dialect.createTable(table.tableName, columns: columns).sql]
            }
            statements += schemaPlan.addColumns.map { dialect.addColumn(table.tableName, $0).sql }
            statements += schemaPlan.widenColumns.map {
                dialect.alterColumnType(table.tableName, column: $0.name, to: $0.to).sql
            }
            switch mode {
            case .replace: statements.append(dialect.delete(table.tableName, where: nil).sql)
            case .replacePartition:
                statements.append(dialect.delete(table.tableName, where: partition?.condition(dialect: dialect, types: types)).sql)
            case .merge(let keys):
                statements.append(dialect.mergeDelete(target: table.tableName, staging: "<staged rows>", keys: keys).sql)
            case .append: break
            }
            if let postgres = dialect as? PostgresDialect {
                statements.append(postgres.copyFromStdin(table.tableName, columns: incoming.map(\.name)))
            } else {
                statements.append("COPY \(table.quoted) (…) FROM '<stage>/manifest.json' … MANIFEST FORMAT AS CSV GZIP …")
            }
            statements += [options.ledger.insert(
                LoadLedger.Record(loadID: LoadID(rawValue: "<load id>"), table: table, partition: partition, mode: mode,
                                  rows: encoder.rowCount, uncompressedBytes: 0, compressedBytes: 0, parts: 0,
                                  stagePrefix: "", contentSHA256: "", startedAt: ""), dialect: dialect).sql, "COMMIT"]
            let stored = incoming.map { ColumnDefinition(name: $0.name, type: dialect.storedType($0.type)) }
            return LoadPlan(table: table, partition: partition, mode: mode, rows: encoder.rowCount, columns: stored,
                            statements: statements)
        } catch {
            await connection.close()
            if let error = error as? StevedoreError { throw error }
            throw StevedoreError(code: .warehouse, step: .plan, message: "\(error)", table: table.description,
                                 underlying: error)
        }
    }
}
