import Foundation
import Frames
import Warehouse

/// The pipelined load on PostgreSQL: the transaction opens first, and each encoded batch is copied
/// (its CSV, the bytes being staged) while the next is encoded and finished parts upload, so staging
/// hides behind the COPY instead of adding to it. DDL runs only before the first COPY, decided on the
/// first part, as in the sequential load: when a later batch needs a column or a wider type (or the
/// first part cannot tell a column's type), the copy stops,
/// staging finishes, the transaction rolls back, and the sequential load copies the complete stage
/// with the types of all the data. A failure anywhere rolls everything back.
extension LoadRun {
    /// Whether this load can be pipelined: PostgreSQL; replace, partition or append (a merge goes
    /// through a temporary table); column partitions only (an SQL-expression partition is checked
    /// after the copy); and no `skipUnchanged`, which needs the whole content before deciding.
    var canPipeline: Bool {
        guard loader.options.pipelinedCopy, dialect is PostgresDialect, !loader.options.skipUnchanged else { return false }
        if case .merge = mode { return false }
        let sqlPartition = partition?.dimensions.contains { if case .sql = $0.expression { return true }; return false }
        return sqlPartition != true
    }

    /// A failure and the step it happened in.
    private struct StepError: Error {
        var step: StevedoreError.Step
        var error: any Error
        var staged: Bool
    }

    func runPipelined(_ source: LoadSource, started: Date, connection: Connection) async throws -> LoadReport {
        guard let postgres = dialect as? PostgresDialect else {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: "the pipelined load is PostgreSQL's")
        }
        do {
            try await ensureLedger(connection)
        } catch {
            throw fail(.ledger, error, staged: false)
        }
        let queue = CopyChunkQueue(capacity: Self.queuedChunks)
        var configured = Stager(store: stage, prefix: stagePrefix,
                                partSize: min(loader.options.partSize, loader.options.pipelinedPartSize),
                                gzipLevel: loader.options.gzipLevel, uploadConcurrency: loader.options.uploadConcurrency,
                                nullMarker: .emptyField, pinnedTypes: loader.options.pinnedTypes,
                                membership: PartitionMembership(partition), progress: loader.options.progress)
        configured.chunkSink = { try await queue.send($0) }
        let csvBuffers = configured.csvBuffers
        if let progress = loader.options.progress {
            configured.progress = { update in
                var update = update
                if update.phase == "encode+stage" { update.phase = "stage+copy" }
                progress(update)
            }
        }
        let stager = configured
        let stageStart = clock.now
        var report: LoadReport?
        var stagedAndCopied = Duration.zero
        var committed = Duration.zero
        do {
            do {
                try await connection.begin()
            } catch {
                throw StepError(step: .lock, error: error, staged: false)
            }
            var fallback: StagingResult?
            do {
                let lock = dialect.lock(table.tableName, lockName: "\(table)/\(partitionLabel ?? "_all")")
                let tableLock = postgres.tableLock(table.tableName, shared: partition != nil)
                do {
                    try await connection.execute(tableLock.sql, tableLock.parameters)
                    try await connection.execute(lock.sql, lock.parameters)
                    if loader.options.skipIfLoaded {
                        let last = loader.options.ledger.lastChecksum(table: table, partition: partition)
                        if try await connection.execute(last.sql, last.parameters).scalar != nil {
                            try await connection.rollback()
                            var skipped = emptyReport()
                            skipped.skipped = true
                            skipped.alreadyLoaded = true
                            return skipped
                        }
                    }
                } catch {
                    throw StepError(step: .lock, error: error, staged: false)
                }
                var staging: StagingResult?
                var fellBack = false
                try await withThrowingTaskGroup(of: ChildOutcome.self) { group in
                    group.addTask {
                        do {
                            let result = try await stager.stage(source)
                            await queue.finish()
                            return .staged(result)
                        } catch is ReceiverGone {
                            // The copy failed and reports it; staging just stops.
                            return .staged(nil)
                        } catch {
                            await queue.finish(throwing: CancellationError())
                            throw StepError(step: Self.stagingStep(error), error: error, staged: false)
                        }
                    }
                    group.addTask {
                        .copied(fellBack: try await copyAsStaged(queue, connection, csvBuffers: csvBuffers))
                    }
                    for try await outcome in group {
                        switch outcome {
                        case .staged(let result): staging = result
                        case .copied(let value): fellBack = value
                        }
                    }
                }
                guard let staging else { throw StepError(step: .copy, error: CancellationError(), staged: true) }
                if fellBack {
                    fallback = staging
                    try await connection.rollback()
                } else {
                    // No part at all (no rows): the table still gets its columns and the mode's delete.
                    if staging.parts.isEmpty {
                        try await prepareTable(schema: staging.schema, maxByteLengths: staging.maxByteLengths,
                                               untyped: staging.untypedColumns, connection)
                    }
                    let record = LoadLedger.Record(
                        loadID: loadID, table: table, partition: partition, mode: mode, rows: staging.rowCount,
                        uncompressedBytes: staging.uncompressedByteCount, compressedBytes: staging.compressedByteCount,
                        parts: staging.parts.count, stagePrefix: stage.manifestURLPrefix + stagePrefix,
                        contentSHA256: staging.contentSHA256, startedAt: ISO8601DateFormatter().string(from: started))
                    let insert = loader.options.ledger.insert(record, dialect: dialect)
                    do {
                        try await connection.execute(insert.sql, insert.parameters)
                    } catch {
                        throw StepError(step: .ledger, error: error, staged: true)
                    }
                    var result = emptyReport()
                    result.rows = staging.rowCount
                    result.uncompressedBytes = staging.uncompressedByteCount
                    result.compressedBytes = staging.compressedByteCount
                    result.parts = staging.parts.count
                    report = result
                }
            } catch {
                try? await connection.rollback()
                throw error
            }
            if let fallback {
                loader.logger.info("the data needs DDL after the first part: copying the complete stage",
                                   metadata: ["load": "\(loadID)", "table": "\(table)"])
                return try await run(nil, staged: fallback, started: started, connection: connection)
            }
            loader.options.progress?(LoadProgress(phase: "commit", rows: report?.rows ?? 0,
                                                  bytes: report?.uncompressedBytes ?? 0, parts: report?.parts ?? 0))
            stagedAndCopied = clock.now - stageStart
            let commitStart = clock.now
            do {
                try await connection.commit()
            } catch {
                throw StepError(step: .commit, error: error, staged: true)
            }
            committed = clock.now - commitStart
        } catch let failure as StepError {
            if !failure.staged { await removeStage(nil) }
            throw fail(failure.step, failure.error, staged: failure.staged)
        } catch {
            throw fail(.copy, error, staged: true)
        }
        guard var report else { throw fail(.copy, CancellationError(), staged: true) }
        report.phases = [LoadReport.Phase(name: "stage+copy", duration: stagedAndCopied),
                         LoadReport.Phase(name: "commit", duration: committed)]
        if !loader.options.keepStage {
            let cleanup = clock.now
            loader.options.progress?(LoadProgress(phase: "cleanup", rows: report.rows, bytes: report.uncompressedBytes,
                                                  parts: report.parts))
            await removeStage(nil)
            report.phases.append(LoadReport.Phase(name: "cleanup", duration: clock.now - cleanup))
        }
        return report
    }

    /// What a child of the pipelined load's task group ended with.
    private enum ChildOutcome: Sendable {
        case staged(StagingResult?)
        case copied(fellBack: Bool)
    }

    private func emptyReport() -> LoadReport {
        LoadReport(loadID: loadID, table: table, partition: partition, mode: mode, rows: 0, uncompressedBytes: 0,
                   compressedBytes: 0, parts: 0, stagePrefix: stage.manifestURLPrefix + stagePrefix, skipped: false,
                   phases: [])
    }

    /// The step a staging failure belongs to.
    private static func stagingStep(_ error: any Error) -> StevedoreError.Step {
        switch error {
        case let error as StevedoreError: return error.step
        case is FrameError: return .encode
        default: return .stage
        }
    }

    /// The incoming columns of `schema`, typed as the dialect stores them.
    private func definitions(_ schema: Schema, _ maxByteLengths: [String: Int]) -> [ColumnDefinition] {
        schema.fields.map { field in
            ColumnDefinition(name: field.name, type: TypeMapping.sqlType(field.type, maxByteLength: maxByteLengths[field.name] ?? 1))
        }
    }

    /// Encoded batches staging may run ahead of the COPY by.
    static var queuedChunks: Int { 4 }

    /// The CSV of the first part held before the table's DDL is decided, at most: a part of data
    /// that compresses very well holds more.
    static var firstPartCSVLimit: Int { 8 << 20 }

    /// Copies each batch as staging hands it over. The first part's batches are held until it ends
    /// (or until `firstPartCSVLimit`): the table then gets the columns they show (the DDL the
    /// sequential load runs before its COPY) and the mode's delete, and they are copied. Returns true, having copied what it copied and
    /// let staging finish, when a later batch needs DDL (or the first part cannot type a missing
    /// column): the caller then rolls back and copies the complete stage sequentially.
    private func copyAsStaged(_ queue: CopyChunkQueue, _ connection: Connection, csvBuffers: PartBufferPool) async throws -> Bool {
        guard let postgres = dialect as? PostgresDialect else { return false }
        // Where each part starts in the one COPY, in lines as the server counts them (physical
        // lines, quoted newlines included), to name the part of a rejected line.
        var partStarts: [(key: Substring, firstLine: Int)] = []
        do {
            var held: [CopyChunk] = []
            var heldBytes = 0
            while let chunk = try await queue.next() {
                // A part holds rows of one width: new columns are DDL after the first part.
                if let first = held.first, chunk.columns != first.columns {
                    return try await fallBack(draining: queue, held: &held, csvBuffers: csvBuffers)
                }
                if chunk.rowCount > 0 {
                    heldBytes += chunk.csv.count
                    held.append(chunk)
                }
                if chunk.endsPart || heldBytes >= Self.firstPartCSVLimit { break }
            }
            // What the encoder knew at the end of the first part.
            guard let decisive = held.last else { return false }
            var existing = try await tableColumns(connection)
            let plan = try plan(for: decisive, existing: existing)
            if plan.needsDDL {
                let guessed = ((plan.createColumns ?? []) + plan.addColumns).contains { decisive.untypedColumns.contains($0.name) }
                if guessed || !plan.widenColumns.isEmpty {
                    return try await fallBack(draining: queue, held: &held, csvBuffers: csvBuffers)
                }
            }
            try await prepareTable(schema: decisive.schema, maxByteLengths: decisive.maxByteLengths,
                                   untyped: decisive.untypedColumns, connection)
            // The columns after this load's own DDL; its locks keep everyone else's out.
            if plan.needsDDL { existing = try await tableColumns(connection) }
            let columns = decisive.columns
            var needsSequentialCopy = false
            do {
                // One COPY for every batch: no statement, and no wait for the server to drain, per batch.
                _ = try await connection.copyIn(postgres.copyFromStdin(table.tableName, columns: columns)) { writer in
                    var lines = 0
                    func copy(_ chunk: inout CopyChunk) async throws {
                        let part = chunk.partKey.split(separator: "/").last ?? ""
                        if partStarts.last?.key != part { partStarts.append((part, lines)) }
                        lines += chunk.lineCount
                        // The staged object's content without the gunzip: the CSV it is made from.
                        let csv = chunk.takeCSV()
                        var offset = 0
                        while offset < csv.count {
                            let end = min(csv.count, offset + (1 << 20))
                            try await writer.write(csv[offset..<end])
                            offset = end
                        }
                        csvBuffers.recycle(consume csv)
                    }
                    for index in held.indices { try await copy(&held[index]) }
                    held = []
                    while var chunk = try await queue.next() {
                        if chunk.rowCount == 0 { continue }
                        // A later batch that needs DDL (a new column, a wider type) ends the COPY.
                        if try chunk.columns != columns || self.plan(for: chunk, existing: existing).needsDDL {
                            needsSequentialCopy = true
                            throw CancellationError()
                        }
                        try await copy(&chunk)
                    }
                }
            } catch var error as WarehouseError {
                if let line = error.copyLine, let part = partStarts.last(where: { $0.firstLine < line }) {
                    error.message += " (line \(line - part.firstLine) of \(part.key))"
                }
                throw StepError(step: .copy, error: error, staged: true)
            } catch is CancellationError where needsSequentialCopy {
                return try await fallBack(draining: queue, held: &held, csvBuffers: csvBuffers)
            }
            return false
        } catch let error as StepError {
            await queue.finish(throwing: ReceiverGone())
            throw error
        } catch is CancellationError where !Task.isCancelled {
            // Staging failed and reports it; the copy just stops.
            return false
        } catch {
            await queue.finish(throwing: ReceiverGone())
            throw StepError(step: .copy, error: error, staged: true)
        }
    }

    /// Lets staging finish, for the sequential copy (true): the `held` batches and every batch still
    /// to come are not copied, and their buffers go back to the pool for staging to reuse.
    private func fallBack(draining queue: CopyChunkQueue, held: inout [CopyChunk], csvBuffers: PartBufferPool)
        async throws -> Bool {
        for index in held.indices { csvBuffers.recycle(held[index].takeCSV()) }
        held = []
        while var chunk = try await queue.next() { csvBuffers.recycle(chunk.takeCSV()) }
        return true
    }

    /// The table's columns now (nil when it does not exist).
    private func tableColumns(_ connection: Connection) async throws -> [ColumnDefinition]? {
        do {
            return try await loader.existingColumns(table, on: connection)
        } catch {
            throw StepError(step: .ddl, error: error, staged: true)
        }
    }

    /// What the table needs before `content` can be copied into it.
    private func plan(for content: CopyChunk, existing: [ColumnDefinition]?) throws -> SchemaPlan {
        try validateNames(content.schema)
        do {
            return try SchemaPlan.make(existing: existing, incoming: definitions(content.schema, content.maxByteLengths),
                                       dialect: dialect, table: table, untyped: content.untypedColumns)
        } catch {
            throw StepError(step: .ddl, error: error, staged: true)
        }
    }

    private func validateNames(_ schema: Schema) throws {
        if let problem = columnProblem(schema) {
            throw StepError(step: .plan, error: problem, staged: false)
        }
    }

    /// Creates or evolves the table for the columns seen so far (before any row is copied), then
    /// deletes what the mode replaces.
    private func prepareTable(schema: Schema, maxByteLengths: [String: Int], untyped: Set<String>,
                              _ connection: Connection) async throws {
        try validateNames(schema)
        let types: [String: SQLType]
        do {
            types = try await evolveSchema(definitions(schema, maxByteLengths), connection, untyped: untyped)
        } catch {
            throw StepError(step: .ddl, error: error, staged: true)
        }
        let delete: SQLStatement?
        switch mode {
        case .replace: delete = dialect.delete(table.tableName, where: nil)
        case .replacePartition: delete = dialect.delete(table.tableName, where: partition?.condition(dialect: dialect, types: types))
        case .append, .merge: delete = nil
        }
        if let delete {
            do {
                try await connection.execute(delete.sql, delete.parameters)
            } catch {
                throw StepError(step: .delete, error: error, staged: true)
            }
        }
    }
}

/// The copy side of a pipelined load gave up (it failed and reports why): staging stops quietly.
struct ReceiverGone: Error {}
