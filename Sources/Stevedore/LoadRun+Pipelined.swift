import Foundation
import Frames
import Warehouse

/// The pipelined load (PostgreSQL): the transaction opens first, and each encoded batch is copied
/// while the next is encoded and finished parts upload; `LoadStateMachine` decides every step.
extension LoadRun {
    /// Whether this load can be pipelined: a warehouse whose COPY streams through the client and
    /// which has advisory locks (PostgreSQL); replace, partition or append (a merge goes
    /// through a temporary table); column partitions only (an SQL-expression partition is checked
    /// after the copy); and no `skipUnchanged`, which needs the whole content before deciding.
    var canPipeline: Bool {
        guard loader.options.pipelinedCopy, case .client = dialect.copyRoute, dialect.advisoryLocks != nil,
            !loader.options.skipUnchanged
        else { return false }
        if case .merge = mode { return false }
        let sqlPartition = partition?.dimensions.contains {
            if case .sql = $0.expression { return true }
            return false
        }
        return sqlPartition != true
    }

    /// A failure and the step it happened in.
    private struct StepError: Error {
        var step: StevedoreError.Step
        var error: any Error
        var staged: Bool
    }

    func runPipelined(_ source: LoadSource, started: Date, connection: any WarehouseSession) async throws -> LoadReport
    {
        guard case .client = dialect.copyRoute, let locks = dialect.advisoryLocks else {
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message: "the pipelined load needs a COPY through the client and advisory locks")
        }
        do {
            try await ensureLedger(connection)
        } catch {
            throw fail(.ledger, error, staged: false)
        }
        let queue = BoundedQueue<CopyChunk>(capacity: Self.queuedCSVBytes) {
            $0.csv.count + ($0.binary?.bytes.count ?? 0)
        }
        var configured = Stager(
            store: stage, prefix: stagePrefix,
            partSize: min(loader.options.partSize, loader.options.pipelinedPartSize),
            gzipLevel: loader.options.gzipLevel, uploadConcurrency: loader.options.uploadConcurrency,
            nullMarker: dialect.nullMarker, pinnedTypes: loader.options.pinnedTypes,
            membership: PartitionMembership(partition), progress: loader.options.progress)
        configured.firstPartSize = Self.firstPartSize
        configured.chunkSink = { try await queue.send($0) }
        let csvBuffers = configured.csvBuffers
        if let progress = loader.options.progress {
            configured.progress = { update in
                var update = update
                if update.phase == "encode+stage" { update.phase = "stage+copy" }
                progress(update)
            }
        }
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
            var fallback: (staging: StagingResult, reason: String)?
            do {
                let lock = dialect.lock(table.tableName, lockName: "\(table)/\(partitionLabel ?? "_all")")
                let tableLock = locks.tableLock(table.tableName, shared: partition != nil)
                do {
                    try await connection.execute(tableLock.sql, tableLock.parameters)
                    try await connection.execute(lock.sql, lock.parameters)
                    if loader.options.skipIfLoaded {
                        let last = loader.options.ledger.lastChecksum(
                            table: table, partition: partition,
                            dialect: dialect)
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
                // Under the load's locks: each value is checked against the columns the table has.
                let existing: [ColumnDefinition]?
                do {
                    existing = try await loader.existingColumns(table, on: connection)
                } catch {
                    throw StepError(step: .ddl, error: error, staged: false)
                }
                configured.targetTypes = TypeMapping.targetTypes(existing, dialect: dialect)
                configured.binaryRows = expectedBinaryCopy(existing)
                configured.reading = dialect.copyReading
                let stager = configured
                var staging: StagingResult?
                var copied = CopyOutcome()
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
                        .copied(try await copyAsStaged(queue, connection, csvBuffers: csvBuffers, existing: existing))
                    }
                    for try await outcome in group {
                        switch outcome {
                        case .staged(let result): staging = result
                        case .copied(let value): copied = value
                        }
                    }
                }
                guard let staging else { throw StepError(step: .copy, error: CancellationError(), staged: true) }
                if let reason = copied.fallbackReason {
                    fallback = (staging, reason)
                    try await connection.rollback()
                } else {
                    // No part at all (no rows): the table still gets its columns and the mode's delete.
                    if staging.parts.isEmpty {
                        try await prepareTable(schema: staging.schema, inference: staging.inference, connection)
                    }
                    let record = LoadLedger.row(
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
                    result.copy = .pipelined
                    result.changedWhileCopying = copied.changes
                    result.rowsCopiedInBinary = copied.binaryRows
                    result.rowsBinaryFromInput = copied.binaryRowsFromInput
                    report = result
                }
            } catch {
                try? await connection.rollback()
                throw error
            }
            if let fallback {
                loader.logger.info(
                    "the pipelined copy stopped (\(fallback.reason)): copying the complete stage",
                    metadata: ["load": "\(loadID)", "table": "\(table)"])
                var report = try await run(nil, staged: fallback.staging, started: started, connection: connection)
                report.copy = .fellBack
                report.fallbackReason = fallback.reason
                return report
            }
            loader.options.progress?(
                LoadProgress(
                    phase: "commit", rows: report?.rows ?? 0,
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
        report.phases = [
            LoadReport.Phase(name: "stage+copy", duration: stagedAndCopied),
            LoadReport.Phase(name: "commit", duration: committed),
        ]
        if !loader.options.keepStage {
            let cleanup = clock.now
            loader.options.progress?(
                LoadProgress(
                    phase: "cleanup", rows: report.rows, bytes: report.uncompressedBytes,
                    parts: report.parts))
            await removeStage(nil)
            report.phases.append(LoadReport.Phase(name: "cleanup", duration: clock.now - cleanup))
        }
        return report
    }

    /// What a child of the pipelined load's task group ended with.
    private enum ChildOutcome: Sendable {
        case staged(StagingResult?)
        case copied(CopyOutcome)
    }

    private func emptyReport() -> LoadReport {
        LoadReport(
            loadID: loadID, table: table, partition: partition, mode: mode, rows: 0, uncompressedBytes: 0,
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

    /// The CSV staging may run ahead of the COPY by: enough that encoding goes on while the
    /// server runs an `ALTER TABLE` between two COPYs, and little next to what a load may use.
    static var queuedCSVBytes: Int { 16 << 20 }

    /// The CSV of the first part held before the table's DDL is decided, at most: a part of data
    /// that compresses very well holds more.
    static var firstPartCSVLimit: Int { 8 << 20 }
    /// The first part's gzip bytes, at most: the COPY waits for it (later parts are
    /// `pipelinedPartSize`).
    static var firstPartSize: Int { 1 << 20 }

    /// The CSV held, at most, while a column the load would create has had no value yet: a column
    /// NULL for its first tens of thousands of rows is then created with its type, where a text
    /// placeholder would be cast later, rewriting every row copied before (docs/performance.md).
    static var placeholderHoldLimit: Int { 64 << 20 }

    /// The batches of a COPY whose places are kept for naming a rejected row: the server reads
    /// the data in order and stops at a bad row, at most a socket's buffers behind what was sent.
    static var rememberedBatches: Int { 256 }

    /// One batch in a COPY: where it starts in the COPY's lines as the server counts them, its
    /// part and the lines the part held before it, and its rows' input lines.
    struct CopiedBatch: Sendable {
        var firstLine: Int
        /// Whether the server numbers rows (binary COPY), not lines.
        var countsRows = false
        var part: Substring
        var partLinesBefore: Int
        /// Rows the part held before it (for a binary COPY's row without `origins`).
        var partRowsBefore = 0
        /// Line feeds of its first row that the server did not count.
        var uncountedLineFeeds: Int
        var origins: RowOrigins?

        /// `column c: "value", line n of input.csv, line m of part-00001.csv.gz` for the server's
        /// `line`.
        func place(ofCopyLine line: Int, column: String?, value: String?) -> String {
            var offset = line - firstLine - 1
            var place: [String] = []
            if countsRows {
                guard let origins, let stagedLine = origins.stagedLine(ofRow: offset) else {
                    // A frame's rows have no staged lines kept: the part's row, then.
                    if let column { place.append("column \(column)" + (value.map { ": \($0)" } ?? "")) }
                    place.append("row \(partRowsBefore + offset + 1) of \(part)")
                    return place.joined(separator: ", ")
                }
                offset = stagedLine
            } else if offset > 0 {
                offset += uncountedLineFeeds
            }
            if let column { place.append("column \(column)" + (value.map { ": \($0)" } ?? "")) }
            if let origins, let inputLine = origins.inputLine(atStagedLine: offset) {
                place.append("line \(inputLine) of \(origins.file ?? "the input")")
            }
            place.append("line \(partLinesBefore + offset + 1) of \(part)")
            return place.joined(separator: ", ")
        }
    }

    /// What the copy side ended with: whether it fell back (and why), and what it changed.
    struct CopyOutcome: Sendable {
        var fallbackReason: String?
        var changes: [String] = []
        var binaryRows = 0
        var binaryRowsFromInput = 0
    }

    /// Copies each batch as staging hands it over, performing what `LoadStateMachine` decides; on a
    /// fallback it lets staging finish, and the caller rolls back and copies the complete stage.
    private func copyAsStaged(
        _ queue: BoundedQueue<CopyChunk>, _ connection: any WarehouseSession, csvBuffers: PartBufferPool,
        existing: [ColumnDefinition]?
    ) async throws -> CopyOutcome {
        guard case .client(let client) = dialect.copyRoute else { return CopyOutcome() }
        var machine = LoadStateMachine(
            dialect: dialect, table: table, existing: existing,
            firstPartCSVLimit: Self.firstPartCSVLimit,
            placeholderHoldLimit: Self.placeholderHoldLimit)
        // The latest batches of the current COPY, where each starts in it, to name the input's line
        // and the part's line of a rejected row; and the lines each part held so far.
        var copiedBatches: [CopiedBatch] = []
        var linesPerPart: [Substring: Int] = [:]
        var rowsPerPart: [Substring: Int] = [:]
        /// Batches decided but not sent, for the next COPY: the held first part, the batch that starts
        /// a COPY after an alter, or the batches left when a COPY turns from binary to CSV.
        var unsent: [CopyChunk] = []
        /// A batch that arrived while the table was not made yet, to be decided once copying.
        var undecided: CopyChunk?
        func describe(_ changes: [LoadStateMachine.ColumnChange]) -> [String] {
            changes.map { change in
                switch change {
                case .add(let column): "\(column.name): added as \(dialect.typeName(column.type))"
                case .widen(let widened):
                    "\(widened.name): \(dialect.typeName(widened.from)) → \(dialect.typeName(widened.to))"
                case .convert(let name, let from, let to):
                    "\(name): \(dialect.typeName(from)) → \(dialect.typeName(to))"
                }
            }
        }
        do {
            var action = LoadStateMachine.Action.hold
            // Hold the first part. Past its size (rows held until a new column has a value), the
            // held batches keep only their CSV, so that what is held stays within the hold's limit.
            var heldCSV = 0
            while true {
                guard var chunk = try await queue.next() else {
                    action = machine.inputEnded()
                    break
                }
                action = machine.batchArrived(batch(chunk))
                if case .hold = action {
                    heldCSV += chunk.csv.count
                    if heldCSV > Self.firstPartCSVLimit, let rows = chunk.binary.take() {
                        csvBuffers.recycle(rows.takeBytes())
                    }
                    unsent.append(chunk)
                    continue
                }
                if case .skip = action {
                    chunk.recycle(into: csvBuffers)
                    continue
                }
                if case .fallBack = action {
                    chunk.recycle(into: csvBuffers)
                }
                if case .prepareTable = action, chunk.rowCount > 0 { unsent.append(chunk) }
                if case .prepareTableBefore = action { undecided = chunk }
                break
            }
            switch action {
            case .finish:
                return CopyOutcome()
            case .fallBack(let reason):
                try await fallBack(draining: queue, unsent: &unsent, csvBuffers: csvBuffers)
                return CopyOutcome(fallbackReason: reason)
            case .prepareTable(let decisive), .prepareTableBefore(let decisive):
                let executed = try await prepareTable(schema: decisive.schema, inference: decisive, connection)
                action = machine.tablePrepared(
                    executed: executed, columns: try await tableColumns(connection) ?? [],
                    decisive: decisive)
            default:
                throw StepError(step: .copy, error: CancellationError(), staged: true)
            }
            // After a batch without an exact binary form, every COPY of the load is CSV.
            var binaryRefused = false
            var binaryBuffer: [UInt8] = []
            var binaryRows = 0
            var binaryRowsFromInput = 0
            while case .startCopy(let columns) = action {
                action = .finish
                let binary = binaryRefused ? nil : binaryCopy(columns, machine)
                do {
                    var lines = 0
                    copiedBatches = []
                    // One COPY for every batch until the table must change: no statement, and no wait
                    // for the server to drain, per batch.
                    let sql = client.copyFromStdin(table.tableName, columns: columns, binary: binary != nil)
                    _ = try await connection.copyIn(sql) { writer in
                        /// Sends a batch; false when it has no binary form (nothing was sent).
                        func copy(_ chunk: inout CopyChunk) async throws -> Bool {
                            var binaryCount = 0
                            // The rows the encoder wrote in binary, if for these formats; else
                            // the CSV converted here.
                            let encoded = chunk.binary.take()
                            let fromEncoder =
                                binary != nil && chunk.columns == columns && encoded?.fields == binary?.fields
                            if let binary, !fromEncoder {
                                guard
                                    let count = binary.encode(csv: chunk.csv, rows: chunk.rowCount, into: &binaryBuffer)
                                else { return false }
                                binaryCount = count
                            }
                            let part = chunk.partKey.split(separator: "/").last ?? ""
                            // The server counts the rows of a binary COPY; of CSV, the line feeds
                            // inside quoted values too, except in the COPY's first row (it learns the
                            // line ending at that row's end).
                            let uncounted = binary == nil && lines == 0 ? chunk.origins?.firstRowLineFeeds ?? 0 : 0
                            copiedBatches.append(
                                CopiedBatch(
                                    firstLine: lines, countsRows: binary != nil, part: part,
                                    partLinesBefore: linesPerPart[part] ?? 0,
                                    partRowsBefore: rowsPerPart[part] ?? 0,
                                    uncountedLineFeeds: uncounted, origins: chunk.origins))
                            if copiedBatches.count > Self.rememberedBatches { copiedBatches.removeFirst() }
                            lines += binary == nil ? chunk.lineCount - uncounted : chunk.rowCount
                            if binary != nil { binaryRows += chunk.rowCount }
                            if fromEncoder { binaryRowsFromInput += chunk.rowCount }
                            linesPerPart[part, default: 0] += chunk.lineCount
                            rowsPerPart[part, default: 0] += chunk.rowCount
                            // The staged object's content without the gunzip: the CSV it is made from.
                            let csv = chunk.takeCSV()
                            if fromEncoder, let encoded {
                                try await write(encoded.bytes[...], to: writer)
                            } else if binary != nil {
                                try await write(binaryBuffer[..<binaryCount], to: writer)
                            } else {
                                try await write(csv[...], to: writer)
                            }
                            csvBuffers.recycle(consume csv)
                            if let encoded { csvBuffers.recycle(encoded.takeBytes()) }
                            return true
                        }
                        func nextChunk() async throws -> CopyChunk? {
                            guard let chunk = undecided else { return try await queue.next() }
                            undecided = nil
                            return chunk
                        }
                        if binary != nil { try await writer.write(PostgresBinaryCopy.header) }
                        batches: do {
                            for index in unsent.indices {
                                guard try await copy(&unsent[index]) else {
                                    unsent.removeFirst(index)
                                    binaryRefused = true
                                    action = .startCopy(columns: columns)
                                    break batches
                                }
                            }
                            unsent = []
                            while var chunk = try await nextChunk() {
                                let next = machine.batchArrived(batch(chunk))
                                switch next {
                                case .skip:
                                    chunk.recycle(into: csvBuffers)
                                    continue
                                case .write:
                                    guard try await copy(&chunk) else {
                                        unsent = [chunk]
                                        binaryRefused = true
                                        action = .startCopy(columns: columns)
                                        break batches
                                    }
                                case .alter:
                                    unsent = [chunk]
                                    action = next
                                    break batches
                                case .fallBack:
                                    // CopyFail, not CopyDone: the server need not check rows that roll back.
                                    unsent = [chunk]
                                    action = next
                                    throw FallingBack()
                                default:
                                    throw StepError(step: .copy, error: CancellationError(), staged: true)
                                }
                            }
                            action = machine.inputEnded()
                        }
                        if binary != nil { try await writer.write(PostgresBinaryCopy.trailer) }
                    }
                } catch is FallingBack {
                    // The COPY was aborted; the fallback below lets staging finish.
                } catch var error as WarehouseError {
                    if let line = error.copyLine, let batch = copiedBatches.last(where: { $0.firstLine < line }) {
                        error.message +=
                            " (\(batch.place(ofCopyLine: line, column: error.copyColumn, value: error.copyValue)))"
                    }
                    throw StepError(step: .copy, error: error, staged: true)
                }
                switch action {
                case .alter(let columnChanges, let columns):
                    let filled = try await alter(columnChanges, connection)
                    if !columnChanges.isEmpty {
                        loader.logger.info(
                            "changed the table while copying: \(describe(columnChanges).joined(separator: "; "))",
                            metadata: ["load": "\(loadID)", "table": "\(table)"])
                    }
                    action = machine.altered(
                        columns: try await tableColumns(connection) ?? [], newColumns: columns,
                        filled: filled)
                case .fallBack(let reason):
                    try await fallBack(draining: queue, unsent: &unsent, csvBuffers: csvBuffers)
                    return CopyOutcome(fallbackReason: reason, changes: describe(machine.changesWhileCopying))
                default:
                    break
                }
            }
            return CopyOutcome(
                changes: describe(machine.changesWhileCopying), binaryRows: binaryRows,
                binaryRowsFromInput: binaryRowsFromInput)
        } catch let error as StepError {
            _ = machine.failed()
            await queue.finish(throwing: ReceiverGone())
            throw error
        } catch is CancellationError where !Task.isCancelled {
            // Staging failed and reports it; the copy just stops.
            _ = machine.failed()
            return CopyOutcome()
        } catch {
            _ = machine.failed()
            await queue.finish(throwing: ReceiverGone())
            throw StepError(step: .copy, error: error, staged: true)
        }
    }

    /// Sends `bytes` in pieces of at most 1 MiB.
    private func write(_ bytes: ArraySlice<UInt8>, to writer: CopyInWriter) async throws {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let end = min(bytes.endIndex, offset + (1 << 20))
            try await writer.write(bytes[offset..<end])
            offset = end
        }
    }

    /// The binary COPY the encoder writes each batch's rows for beside their CSV, when `binaryCopy`
    /// is on: by the type of each column the table had before the load (this load changes none of
    /// them), or of the column the load creates or changes from what is inferred so far. The COPY
    /// uses those rows when its own formats are the same.
    private func expectedBinaryCopy(
        _ existing: [ColumnDefinition]?
    ) -> (@Sendable ([String], SchemaInference) -> PostgresBinaryCopy?)? {
        guard loader.options.binaryCopy else { return nil }
        let known = Dictionary((existing ?? []).map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let dialect = self.dialect
        return { columns, inference in
            var types = known
            for (name, column) in zip(inference.names, inference.columns) where types[name] == nil {
                types[name] = TypeMapping.createdType(column, dialect: dialect)
            }
            return PostgresBinaryCopy.into(columns, types: types)
        }
    }

    /// The binary COPY of `columns` when `binaryCopy` is on and each column's type in the table
    /// has a binary form here; nil for CSV. The encoder checked every value against its column's
    /// type (the one this load created, or the table's own), and a value without an exact binary
    /// form for that type turns the COPY to CSV.
    private func binaryCopy(_ columns: [String], _ machine: LoadStateMachine) -> PostgresBinaryCopy? {
        guard loader.options.binaryCopy, let table = machine.tableColumns else { return nil }
        let types = Dictionary(table.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        return PostgresBinaryCopy.into(columns, types: types)
    }

    /// The facts of a chunk the state machine decides on.
    private func batch(_ chunk: CopyChunk) -> LoadStateMachine.Batch {
        LoadStateMachine.Batch(
            columns: chunk.columns, rowCount: chunk.rowCount, csvByteCount: chunk.csv.count,
            endsPart: chunk.endsPart, inference: chunk.inference)
    }

    /// Runs the changes of an alter (between two COPYs of the load's transaction); returns the
    /// placeholder columns that got their type.
    private func alter(_ changes: [LoadStateMachine.ColumnChange], _ connection: any WarehouseSession) async throws
        -> Set<String>
    {
        var filled: Set<String> = []
        do {
            for change in changes {
                let statement: SQLStatement
                switch change {
                case .add(let column):
                    statement = dialect.addColumn(table.tableName, column)
                case .widen(let widened):
                    statement = dialect.alterColumnType(table.tableName, column: widened.name, to: widened.to)
                    if widened.rewritesTable {
                        let message =
                            "widening \(table).\(widened.name) from \(dialect.typeName(widened.from)) to "
                            + "\(dialect.typeName(widened.to)) rewrites the table under an exclusive lock"
                        loader.logger.info("\(message)")
                    }
                case .convert(let name, _, let to):
                    statement = dialect.convertColumnType(table.tableName, column: name, to: to)
                    filled.insert(name)
                }
                try await connection.execute(statement.sql, statement.parameters)
            }
        } catch {
            throw StepError(step: .ddl, error: error, staged: true)
        }
        return filled
    }

    /// Lets staging finish, for the sequential copy: the `unsent` batches and every batch still to
    /// come are not copied, and their buffers go back to the pool for staging to reuse.
    private func fallBack(
        draining queue: BoundedQueue<CopyChunk>, unsent: inout [CopyChunk], csvBuffers: PartBufferPool
    )
        async throws
    {
        for index in unsent.indices { unsent[index].recycle(into: csvBuffers) }
        unsent = []
        while var chunk = try await queue.next() { chunk.recycle(into: csvBuffers) }
    }

    /// The table's columns now (nil when it does not exist).
    private func tableColumns(_ connection: any WarehouseSession) async throws -> [ColumnDefinition]? {
        do {
            return try await loader.existingColumns(table, on: connection)
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
    /// deletes what the mode replaces; returns the DDL plan it ran (nil when none was needed).
    @discardableResult
    private func prepareTable(schema: Schema, inference: SchemaInference, _ connection: any WarehouseSession)
        async throws
        -> SchemaPlan?
    {
        try validateNames(schema)
        let evolved: (types: [String: SQLType], executed: SchemaPlan?)
        do {
            evolved = try await evolveSchema(inference, connection)
        } catch {
            throw StepError(step: .ddl, error: error, staged: true)
        }
        let delete: SQLStatement?
        switch mode {
        case .replace: delete = dialect.delete(table.tableName, where: nil)
        case .replacePartition:
            delete = dialect.delete(
                table.tableName, where: partition?.condition(dialect: dialect, types: evolved.types))
        case .append, .merge: delete = nil
        }
        if let delete {
            do {
                try await connection.execute(delete.sql, delete.parameters)
            } catch {
                throw StepError(step: .delete, error: error, staged: true)
            }
        }
        return evolved.executed
    }
}

/// Ends a pipelined COPY that the state machine stopped for the sequential copy.
private struct FallingBack: Error {}

/// The copy side of a pipelined load gave up (it failed and reports why): staging stops quietly.
struct ReceiverGone: Error {}
