import Foundation
import Frames
import ObjectStore
import Warehouse

/// One store, from rows to commit: stage, then in one transaction lock, create or evolve the
/// table, delete, copy, record in the ledger, commit; then clean the stage up. Every error is a
/// `StevedoreError` naming its step; before COMMIT nothing in the warehouse has changed.
struct LoadRun {
    let loader: Loader
    let table: TableRef
    let partition: PartitionSpec?
    let mode: WriteMode
    let loadID = LoadID.make()
    let clock = ContinuousClock()

    init(loader: Loader, table: TableRef, partition: PartitionSpec?, mode: WriteMode) {
        self.loader = loader
        self.table = table
        self.partition = partition
        self.mode = mode
    }

    var dialect: any Dialect { loader.dialect }
    var stage: any ObjectStore { loader.stage }

    /// `<prefix>/<schema>/<table>/<partition or _all>/<load id>/`.
    var stagePrefix: String {
        [loader.options.stagePrefix, table.schema, table.table, partition?.pathSegment ?? "_all", loadID.rawValue]
            .filter { !$0.isEmpty }.joined(separator: "/") + "/"
    }

    var partitionLabel: String? { partition?.label }

    func fail(_ step: StevedoreError.Step, _ error: any Error, staged: Bool) -> StevedoreError {
        if var known = error as? StevedoreError {
            known.table = known.table ?? table.description
            known.partition = known.partition ?? partitionLabel
            if staged { known.stagePrefix = known.stagePrefix ?? stage.manifestURLPrefix + stagePrefix }
            return known
        }
        let code: StevedoreError.Code
        let message: String
        switch error {
        case let error as WarehouseError:
            code = .warehouse
            var text = error.message
            if let sqlState = error.sqlState { text += " (SQLSTATE \(sqlState))" }
            if let detail = error.detail { text += "; \(detail)" }
            message = text
        case let error as ObjectStoreError:
            code = .stage
            message = error.description
        case let error as FrameError:
            code = .input
            message = error.description
        case let error as GzipError:
            // A staged part that does not gunzip: the stage holds something other than what was written.
            code = .stage
            message = error.description
        default:
            code = step == .stage ? .stage : .warehouse
            message = "\(error)"
        }
        return StevedoreError(
            code: code, step: step, message: message, table: table.description,
            partition: partitionLabel,
            stagePrefix: staged ? stage.manifestURLPrefix + stagePrefix : nil,
            underlying: error)
    }

    func execute(_ source: LoadSource) async throws -> LoadReport {
        try table.validate(for: dialect)
        try partition?.validateKeys(for: dialect, table: table)
        try loader.checkTableDesign(for: table)
        if case .merge(let keys) = mode, keys.isEmpty {
            throw StevedoreError(
                code: .invalidRequest, step: .plan, message: "a merge needs at least one key column",
                table: table.description)
        }
        if mode == .replacePartition && partition == nil {
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message: "replacing a partition needs the partition's key", table: table.description)
        }
        let started = Date()

        let connection = try await loader.connect()
        do {
            var report =
                canPipeline
                ? try await runPipelined(source, started: started, connection: connection)
                : try await run(source, started: started, connection: connection)
            report.columns = await columnsAfterLoad(connection)
            await connection.close()
            return report
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The table's columns for the report; a failed catalog read after the commit is logged, not
    /// thrown (the load itself succeeded).
    private func columnsAfterLoad(_ connection: any WarehouseSession) async -> [ColumnDefinition] {
        do {
            return try await loader.existingColumns(table, on: connection) ?? []
        } catch {
            loader.logger.warning(
                "could not read the table's columns after the load",
                metadata: ["table": "\(table)", "error": "\(error)"])
            return []
        }
    }

    /// The sequential load: stage `source` (or take `staged`, a complete stage the pipelined load
    /// made before falling back), then copy it in one transaction.
    func run(_ source: LoadSource?, staged: StagingResult? = nil, started: Date, connection: any WarehouseSession)
        async throws
        -> LoadReport
    {
        var phases: [LoadReport.Phase] = []
        var counts = (rows: 0, bytes: 0, parts: 0)
        func timed<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
            loader.options.progress?(
                LoadProgress(phase: name, rows: counts.rows, bytes: counts.bytes, parts: counts.parts))
            let start = clock.now
            defer {
                phases.append(LoadReport.Phase(name: name, duration: clock.now - start))
                loader.logger.info(
                    "\(name) done",
                    metadata: [
                        "load": "\(loadID)", "table": "\(table)",
                        "seconds": "\((clock.now - start).seconds)",
                    ])
            }
            return try await body()
        }
        do {
            try await ensureLedger(connection)
        } catch {
            throw fail(.ledger, error, staged: false)
        }

        // Throws only CancellationError.
        let partSize = try await loader.stagedPartSize(on: connection, source: source)
        var stager = Stager(
            store: stage, prefix: stagePrefix, partSize: partSize,
            gzipLevel: loader.options.gzipLevel, uploadConcurrency: loader.options.uploadConcurrency,
            nullMarker: dialect.nullMarker,
            pinnedTypes: loader.options.pinnedTypes, membership: PartitionMembership(partition),
            progress: loader.options.progress)
        stager.binaryHexPrefix = dialect.binaryHexPrefix
        if staged == nil {
            // Each value is checked against the table's columns as they are now; the transaction
            // reads them again (a concurrent load may change them meanwhile).
            do {
                stager.targetTypes = TypeMapping.targetTypes(
                    try await loader.existingColumns(table, on: connection),
                    dialect: dialect)
                stager.foldsTargetNames = dialect.foldsIdentifiersToLowercase
                stager.reading = dialect.copyReading
            } catch {
                throw fail(.ddl, error, staged: false)
            }
        }
        let staging: StagingResult
        do {
            if let staged {
                staging = staged
            } else if let source {
                staging = try await timed("encode+stage") { try await stager.stage(source) }
            } else {
                throw StevedoreError(code: .invalidRequest, step: .plan, message: "nothing to load")
            }
        } catch let error as StevedoreError {
            await removeStage(nil)
            throw fail(error.step, error, staged: false)
        } catch let error as FrameError {
            await removeStage(nil)
            throw fail(.encode, error, staged: false)
        } catch {
            await removeStage(nil)
            throw fail(.stage, error, staged: false)
        }

        counts = (staging.rowCount, staging.uncompressedByteCount, staging.parts.count)
        var report = LoadReport(
            loadID: loadID, table: table, partition: partition, mode: mode, rows: staging.rowCount,
            uncompressedBytes: staging.uncompressedByteCount,
            compressedBytes: staging.compressedByteCount, parts: staging.parts.count,
            stagePrefix: stage.manifestURLPrefix + stagePrefix, skipped: false, phases: [])

        if loader.options.skipUnchanged {
            let statement = loader.options.ledger.lastChecksum(table: table, partition: partition, dialect: dialect)
            let last = try? await connection.execute(statement.sql, statement.parameters).scalar
            if last == staging.contentSHA256 {
                await removeStage(staging)
                report.skipped = true
                report.phases = phases
                loader.logger.info("content unchanged since the last load: skipped", metadata: ["table": "\(table)"])
                return report
            }
        }

        if let problem = columnProblem(staging.schema) {
            await removeStage(staging)
            throw problem
        }
        let incoming = staging.inference
        do {
            try await widenOutsideTransaction(incoming, connection)
            try await createBeforeTransaction(incoming, connection)
        } catch let error as StevedoreError where error.code == .invalidRequest {
            // A table design naming a column the data lacks: nothing ran, nothing to keep.
            await removeStage(staging)
            throw fail(error.step, error, staged: false)
        } catch {
            throw fail(.ddl, error, staged: true)
        }
        if case .stage = dialect.copyRoute, Set(staging.parts.map(\.columnCount)).count > 1 {
            throw fail(
                .copy,
                StevedoreError(
                    code: .invalidRequest, step: .copy,
                    message: "the data gained columns midway (JSON Lines keys first seen late); Redshift copies every "
                        + "part with one column list, so list every key in the first lines or pin the columns"),
                staged: true)
        }
        var step = StevedoreError.Step.lock
        var commitStarted = clock.now
        do {
            report.conflictRetries = try await retryingConflicts(connection) { connection in
                let types: [String: SQLType]
                if let locks = dialect.advisoryLocks {
                    step = .lock
                    let lock = dialect.lock(table.tableName, lockName: "\(table)/\(partitionLabel ?? "_all")")
                    // Whole-table loads exclude partition loads of the same table, and wait for them.
                    let tableLock = locks.tableLock(table.tableName, shared: partition != nil)
                    try await connection.execute(tableLock.sql, tableLock.parameters)
                    try await connection.execute(lock.sql, lock.parameters)
                    step = .ddl
                    types = try await timed("ddl") { try await evolveSchema(incoming, connection).types }
                } else {
                    // Without advisory locks the lock is on the tables themselves: the target (created
                    // before, see createBeforeTransaction) and the ledger, first, before the catalog
                    // and ledger reads and any DDL, as Redshift's serializable isolation advises
                    // (https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html).
                    step = .lock
                    let locks = dialect.lock([table.tableName, loader.options.ledger.table])
                    try await connection.execute(locks.sql, locks.parameters)
                    step = .ddl
                    types = try await timed("ddl") { try await evolveSchema(incoming, connection).types }
                }

                if loader.options.skipIfLoaded {
                    // Under the partition's lock: a load that committed meanwhile wins, this one rolls back.
                    let last = loader.options.ledger.lastChecksum(table: table, partition: partition, dialect: dialect)
                    if try await connection.execute(last.sql, last.parameters).scalar != nil { throw AlreadyLoaded() }
                }
                step = .delete
                report.rowsCopiedInBinary = try await timed("delete+copy") {
                    try await replaceRows(staging, types: types, connection, step: &step)
                }

                step = .ledger
                let record = LoadLedger.row(
                    loadID: loadID, table: table, partition: partition, mode: mode, rows: staging.rowCount,
                    uncompressedBytes: staging.uncompressedByteCount, compressedBytes: staging.compressedByteCount,
                    parts: staging.parts.count, stagePrefix: report.stagePrefix, contentSHA256: staging.contentSHA256,
                    startedAt: ISO8601DateFormatter().string(from: started))
                let insert = loader.options.ledger.insert(record, dialect: dialect)
                try await connection.execute(insert.sql, insert.parameters)
                step = .commit
                commitStarted = clock.now
                loader.options.progress?(
                    LoadProgress(
                        phase: "commit", rows: counts.rows, bytes: counts.bytes,
                        parts: counts.parts))
            }
        } catch is AlreadyLoaded {
            await removeStage(staging)
            report.skipped = true
            report.alreadyLoaded = true
            report.phases = phases
            loader.logger.info("the partition was loaded meanwhile: rolled back", metadata: ["table": "\(table)"])
            return report
        } catch {
            // The transaction has rolled back: only now can the load-error tables be read.
            throw fail(step, await withLoadErrors(error, step: step, staging: staging, connection), staged: true)
        }
        phases.append(LoadReport.Phase(name: "commit", duration: clock.now - commitStarted))
        if !loader.options.keepStage {
            await timed("cleanup") { await removeStage(staging) }
        }
        report.phases = phases
        return report
    }

    /// Creates the ledger once, serialized across concurrent loads by an advisory lock.
    func ensureLedger(_ connection: any WarehouseSession) async throws {
        let ledger = loader.options.ledger
        try await connection.createIfMissing(
            ledger.table, dialect: dialect, lockName: "stevedore ledger \(ledger.table)",
            statements: ledger.createStatements(for: dialect))
    }

    /// Creates or evolves the table for the values `incoming` describes; returns the table's column
    /// types afterwards, and the plan it ran (nil when the table needed nothing).
    func evolveSchema(_ incoming: SchemaInference, _ connection: any WarehouseSession) async throws
        -> (types: [String: SQLType], executed: SchemaPlan?)
    {
        var existing = try await loader.existingColumns(table, on: connection)
        var plan = try SchemaPlan.make(existing: existing, incoming: incoming, dialect: dialect, table: table)
        var executed: SchemaPlan?
        if plan.needsDDL {
            // Loads of other partitions may change the table too: DDL is serialized by its own lock,
            // taken last (after the partition lock), and the plan is made again under it.
            // (Without advisory locks the load's LOCK is on the table, which serializes DDL itself.)
            if let locks = dialect.advisoryLocks {
                let lock = locks.ddlLock(table.tableName)
                try await connection.execute(lock.sql, lock.parameters)
            }
            existing = try await loader.existingColumns(table, on: connection)
            plan = try SchemaPlan.make(existing: existing, incoming: incoming, dialect: dialect, table: table)
            for note in plan.notes { loader.logger.info("\(note)", metadata: ["table": "\(table)"]) }
            for column in plan.widenColumns where column.rewritesTable {
                let message =
                    "widening \(table).\(column.name) from \(dialect.typeName(column.from)) to "
                    + "\(dialect.typeName(column.to)) rewrites the table under an exclusive lock"
                loader.logger.info("\(message)")
            }
            for statement in try ddlStatements(plan) {
                try await connection.execute(statement.sql, statement.parameters)
            }
            executed = plan
            existing = try await loader.existingColumns(table, on: connection)
        }
        let types = Dictionary((existing ?? []).map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        return (types, executed)
    }

    /// Widenings the dialect allows only outside a transaction block (Redshift's VARCHAR growth)
    /// run before the load's transaction: each only makes a column wider, so it is safe even if
    /// the load then fails.
    private func widenOutsideTransaction(_ incoming: SchemaInference, _ connection: any WarehouseSession) async throws {
        guard let existing = try await loader.existingColumns(table, on: connection) else { return }
        let plan = try SchemaPlan.make(existing: existing, incoming: incoming, dialect: dialect, table: table)
        for column in plan.widenColumns where column.widening == .outsideTransaction {
            let alter = dialect.alterColumnType(table.tableName, column: column.name, to: column.to)
            try await connection.execute(alter.sql, alter.parameters)
            loader.logger.info("widened \(table).\(column.name) to \(dialect.typeName(column.to)) before the load")
        }
    }

    private func ddlStatements(_ plan: SchemaPlan) throws -> [SQLStatement] {
        var statements: [SQLStatement] = []
        if let columns = plan.createColumns {
            statements.append(dialect.createSchema(table.schema))
            let design = try loader.options.tableDesign.resolved(
                against: columns.map(\.name), dialect: dialect, table: table)
            statements.append(dialect.createTable(table.tableName, columns: columns, design: design))
        }
        statements += plan.addColumns.map { dialect.addColumn(table.tableName, $0) }
        for column in plan.widenColumns {
            guard column.widening == .insideTransaction else {
                throw StevedoreError(
                    code: .incompatibleSchema, step: .ddl,
                    message: "column '\(column.name)' must widen from \(dialect.typeName(column.from)) to "
                        + "\(dialect.typeName(column.to)), which \(dialect.name) allows only outside a transaction",
                    table: table.description)
            }
            statements.append(dialect.alterColumnType(table.tableName, column: column.name, to: column.to))
        }
        return statements
    }

    /// Deletes what the mode replaces and copies the staged rows in, through a temporary table when
    /// rows must be checked or merged first.
    /// Returns the rows the COPY sent in PostgreSQL's binary format.
    private func replaceRows(
        _ staging: StagingResult, types: [String: SQLType], _ connection: any WarehouseSession,
        step: inout StevedoreError.Step
    ) async throws -> Int {
        let columns = staging.schema.names
        let partitionCondition = partition?.condition(dialect: dialect, types: types)
        let needsSQLCheck =
            partition?.dimensions.contains {
                if case .sql = $0.expression { return true }
                return false
            }
            ?? false
        let throughTemporaryTable: Bool
        if case .merge = mode {
            throughTemporaryTable = true
        } else {
            throughTemporaryTable = needsSQLCheck && mode == .replacePartition
        }
        let target: String
        if throughTemporaryTable {
            target = "stevedore_load_\(loadID.rawValue.filter { $0.isLetter || $0.isNumber })".lowercased()
            let create = dialect.createTemporaryTable(target, like: table.tableName)
            try await connection.execute(create.sql, create.parameters)
        } else {
            target = table.quoted
            step = .delete
            switch mode {
            case .replace:
                let delete = dialect.delete(table.tableName, where: nil)
                try await connection.execute(delete.sql, delete.parameters)
            case .replacePartition:
                let delete = dialect.delete(table.tableName, where: partitionCondition)
                try await connection.execute(delete.sql, delete.parameters)
            case .append, .merge:
                break
            }
        }

        step = .copy
        let binaryRows = try await copyParts(
            staging, into: target, isTemporary: target != table.quoted, columns: columns, types: types, connection)

        guard target != table.quoted else { return binaryRows }
        if case .merge(let keys) = mode {
            let duplicate = dialect.duplicateKey(in: target, keys: keys)
            if let row = try await connection.execute(duplicate.sql, duplicate.parameters).rows.first {
                let shown = zip(keys, row).map { "\($0)=\($1 ?? "NULL")" }.joined(separator: ", ")
                throw StevedoreError(
                    code: .duplicateMergeKey, step: .copy,
                    message: "two rows of this load share the merge key \(shown)",
                    table: table.description)
            }
            let nullCount = dialect.nullKeyCount(in: target, keys: keys)
            let nulls = try await connection.execute(nullCount.sql, nullCount.parameters)
            if nulls.scalar != "0" {
                throw StevedoreError(
                    code: .duplicateMergeKey, step: .copy,
                    message: "\(nulls.scalar ?? "some") rows have a NULL merge key", table: table.description)
            }
            try await refuseTrailingBlanks(keys: keys, types: types, in: target, connection)
            step = .delete
            let delete = dialect.mergeDelete(target: table.tableName, staging: target, keys: keys)
            try await connection.execute(delete.sql, delete.parameters)
        } else if let partitionCondition {
            // Rows were staged into a temporary table so the partition expression can check them
            // before the partition is replaced.
            let count = dialect.countOutside(target, condition: partitionCondition)
            let outside = try await connection.execute(count.sql, count.parameters)
            if outside.scalar != "0" {
                throw StevedoreError(
                    code: .rowOutsidePartition, step: .copy,
                    message: "\(outside.scalar ?? "some") rows are not in partition \(partition?.label ?? "")",
                    table: table.description, partition: partitionLabel)
            }
            step = .delete
            let delete = dialect.delete(table.tableName, where: partitionCondition)
            try await connection.execute(delete.sql, delete.parameters)
        }
        step = .copy
        let insert = dialect.insertSelect(into: table.tableName, columns: columns, from: target)
        try await connection.execute(insert.sql, insert.parameters)
        return binaryRows
    }

    /// COPY of every staged part, in order, into `target`: in PostgreSQL's binary format when
    /// `binaryCopy` is on and the table's `types` have send formats, each part converted as it is
    /// gunzipped; from the first row without an exact binary form on, as CSV.
    /// Returns the rows sent as binary.
    private func copyParts(
        _ staging: StagingResult, into target: String, isTemporary: Bool, columns: [String],
        types: [String: SQLType], _ connection: any WarehouseSession
    ) async throws -> Int {
        let targetName = isTemporary ? TableName(schema: "", table: target) : table.tableName
        let client: any ClientCopySQL
        switch dialect.copyRoute {
        case .stage(let stageCopy):
            try await copyFromManifest(stageCopy, staging, into: targetName, columns: columns, connection)
            return 0
        case .client(let clientCopy):
            client = clientCopy
        }
        var binaryRefused = !loader.options.binaryCopy
        var binaryRows = 0
        for part in staging.parts {
            let partColumns = Array(columns.prefix(part.columnCount))
            let compressed = try await stage.getBytes(part.key)
            let name = String(part.key.split(separator: "/").last ?? "")
            let csvSQL = client.copyFromStdin(targetName, columns: partColumns, binary: false)
            let binary =
                binaryRefused ? nil : PostgresBinaryCopy.into(partColumns, types: types)
            guard let binary else {
                try await named(part: name) { try await copyPart(compressed, sql: csvSQL, connection) }
                continue
            }
            let binarySQL = client.copyFromStdin(targetName, columns: partColumns, binary: true)
            let sent = try await copyPartBinary(
                compressed, binary, binarySQL: binarySQL, csvSQL: csvSQL, part: name, connection)
            binaryRefused = sent.refused
            binaryRows += sent.rows
        }
        return binaryRows
    }

    /// Runs one part's COPY, naming the part (and the server's line or row in it) in its error.
    private func named(part: String, after rows: Int? = nil, countsRows: Bool = false, _ body: () async throws -> Void)
        async throws
    {
        do {
            try await body()
        } catch var error as WarehouseError {
            if let line = error.copyLine {
                let column = error.copyColumn.map { "column \($0), " } ?? ""
                let place = countsRows ? "row \(line)" : rows.map { "line \(line) after row \($0)" } ?? "line \(line)"
                error.message += " (\(column)\(place) of \(part))"
            }
            throw error
        }
    }

    /// One part, gunzipped as it goes, into one `COPY … FROM STDIN`.
    func copyPart(_ compressed: [UInt8], sql: String, _ connection: any WarehouseSession) async throws {
        _ = try await connection.copyIn(sql) { writer in
            let reader = try GzipReader()
            var output = try reader.read(compressed)
            while true {
                if !output.isEmpty { try await writer.write(output) }
                guard reader.hasPendingInput else { break }
                output = try reader.read([])
            }
            try reader.finish()
        }
    }

    /// The longest unfinished row the sequential binary COPY carries from piece to piece.
    static let longestBinaryRowBytes = 8 << 20

    /// One part into a binary COPY, its rows converted as they are gunzipped. At a row without an
    /// exact binary form the binary COPY ends there and the rest of the part goes as CSV; returns
    /// whether that happened, and the rows sent as binary.
    private func copyPartBinary(
        _ compressed: [UInt8], _ binary: PostgresBinaryCopy, binarySQL: String, csvSQL: String, part: String,
        _ connection: any WarehouseSession
    ) async throws -> (refused: Bool, rows: Int) {
        let reader = try GzipReader()
        var pending: [UInt8] = []
        var refused = false
        var rowsSent = 0
        try await named(part: part, countsRows: true) {
            _ = try await connection.copyIn(binarySQL) { writer in
                try await writer.write(PostgresBinaryCopy.header)
                var buffer: [UInt8] = []
                var output = try reader.read(compressed)
                while true {
                    pending += output
                    let prefix = binary.encodePrefix(csv: pending[...], into: &buffer)
                    if prefix.written > 0 { try await writer.write(buffer[..<prefix.written]) }
                    rowsSent += prefix.rows
                    pending.removeFirst(prefix.consumed)
                    // A row longer than a few pieces (a huge field) would be scanned again with each
                    // piece: it and the rest of the part go as CSV instead.
                    if prefix.refused || pending.count > Self.longestBinaryRowBytes {
                        refused = true
                        break
                    }
                    guard reader.hasPendingInput else { break }
                    output = try reader.read([])
                }
                // A staged part ends with a whole row; anything left goes as CSV, for the server to judge.
                if !pending.isEmpty { refused = true }
                try await writer.write(PostgresBinaryCopy.trailer)
            }
        }
        guard refused else {
            try reader.finish()
            return (false, rowsSent)
        }
        try await named(part: part, after: rowsSent) {
            _ = try await connection.copyIn(csvSQL) { writer in
                if !pending.isEmpty { try await writer.write(pending) }
                while reader.hasPendingInput {
                    let output = try reader.read([])
                    if !output.isEmpty { try await writer.write(output) }
                }
                try reader.finish()
            }
        }
        return (true, rowsSent)
    }

    private func copyFromManifest(
        _ stageCopy: any StageCopySQL, _ staging: StagingResult, into target: TableName,
        columns: [String], _ connection: any WarehouseSession
    ) async throws {
        guard let authorization = loader.options.redshiftAuthorization else {
            throw StevedoreError(
                code: .invalidRequest, step: .copy,
                message: "Redshift needs an IAM role or access keys to read the stage")
        }
        guard stage.location.hasPrefix("s3://") else {
            throw StevedoreError(code: .invalidRequest, step: .copy, message: "Redshift copies only from an S3 stage")
        }
        // No rows, no parts: COPY ends in an error when a manifest lists no file, whatever
        // "mandatory" says (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html),
        // and there is nothing to copy; the DELETE and the ledger row still run.
        guard !staging.parts.isEmpty else { return }
        let sql = try stageCopy.copyFromManifest(
            target, columns: columns,
            manifestURL: stage.manifestURLPrefix + staging.manifestKey,
            authorization: authorization, region: loader.options.redshiftRegion)
        // A failure is told with the rows Redshift rejected after the ROLLBACK (withLoadErrors).
        try await connection.execute(sql, [])
    }

    /// Removes the load's staged objects (all under its prefix); failures are logged, not thrown.
    func removeStage(_ staging: StagingResult?) async {
        do {
            let keys = try await stage.listKeys(prefix: stagePrefix)
            guard !keys.isEmpty else { return }
            let report = try await stage.deleteMany(keys)
            if !report.failed.isEmpty {
                loader.logger.info("could not remove \(report.failed.count) staged objects under \(stagePrefix)")
            }
        } catch {
            loader.logger.info("could not remove the staged parts under \(stagePrefix): \(error)")
        }
    }
}

/// Ends a `skipIfLoaded` load's transaction when the ledger already holds the partition.
private struct AlreadyLoaded: Error {}

extension LoadRun {
    /// Why the warehouse cannot take the data's columns as they are (too many, a name it cannot keep,
    /// a merge key the data lacks), as an input error of the plan step; nil when it can. Checked
    /// before any DDL.
    func columnProblem(_ schema: Schema) -> StevedoreError? {
        var message: String?
        do {
            try dialect.validateColumnCount(schema.fields.count)
        } catch {
            message = (error as? WarehouseError)?.message ?? "\(error)"
        }
        if message == nil, case .merge(let keys) = mode {
            let names = Set(schema.fields.map(\.name))
            if let missing = keys.first(where: { !names.contains($0) }) {
                message =
                    "the merge key '\(missing)' is not a column of the data (columns: "
                    + schema.fields.map(\.name).joined(separator: ", ") + ")"
            }
        }
        for field in schema.fields where message == nil {
            do {
                try dialect.validateIdentifier(field.name)
            } catch {
                message = "column " + ((error as? WarehouseError)?.message ?? "\(error)")
            }
        }
        return message.map {
            StevedoreError(code: .input, step: .plan, message: $0, table: table.description, partition: partitionLabel)
        }
    }
}
