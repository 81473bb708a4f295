import Blocking
import Foundation
import Frames
import ObjectStore
import Warehouse

extension Loader {
    /// Loads `table` (or one partition of it) back as a frame typed from the catalog; `columns`
    /// picks and orders columns (all, in table order, by default).
    public func load(_ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil) async throws -> Frame
    {
        let collected = CSVCollector()
        let schema = try await export(table, partition: partition, columns: columns) { await collected.append($0) }
        do {
            let reader = try CSVReader(
                source: MemoryByteSource(await collected.bytes), file: table.description,
                options: CSVOptions(
                    header: .names(schema.names),
                    nullMarker: dialect.nullMarker))
            return try reader.readFrame(schema: schema)
        } catch {
            throw StevedoreError(
                code: .input, step: .loadBack, message: "\(error)", table: table.description,
                partition: partition?.label)
        }
    }

    /// Writes `table` (or one partition) as CSV without a header to `path`; returns the schema and
    /// the number of rows written.
    @discardableResult
    public func unload(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
        toFile path: String
    ) async throws -> (schema: Schema, rows: Int) {
        let opened = try await BlockingPool.shared.run {
            FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
        }
        guard let handle = opened else {
            throw StevedoreError(
                code: .invalidRequest, step: .loadBack, message: "cannot write \(path)",
                table: table.description)
        }
        defer { try? handle.close() }
        return try await unload(table, partition: partition, columns: columns, to: handle)
    }

    /// Writes `table` (or one partition) as CSV without a header to an open file (stdout, a pipe),
    /// each write on the blocking pool (a pipe blocks while its reader lags); returns the schema and
    /// the number of rows written.
    @discardableResult
    public func unload(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
        to handle: FileHandle
    ) async throws -> (schema: Schema, rows: Int) {
        let counter = RowCount()
        let schema = try await export(table, partition: partition, columns: columns) { chunk in
            try await BlockingPool.shared.run { try handle.write(contentsOf: chunk) }
            await counter.scan(chunk)
        }
        return (schema, await counter.rows)
    }

    /// Streams the rows as CSV chunks (the dialect's NULL marker) to `sink`, after handing their
    /// schema and catalog types to `prepare`; returns the schema. On a client-route warehouse the
    /// types are given, and `prepare` returning true asks for PostgreSQL's binary COPY format
    /// instead of CSV; on a stage route they are nil and the rows are CSV.
    func export(
        _ table: TableRef, partition: PartitionSpec?, columns requested: [String]?,
        prepare: @escaping @Sendable (Schema, [SQLType]?) async throws -> Bool = { _, _ in false },
        to sink: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> Schema {
        try table.validate(for: dialect)
        try partition?.validateKeys(for: dialect, table: table)
        let connection = try await connect()
        do {
            let schema = try await export(
                table, partition: partition, columns: requested, on: connection, prepare: prepare, to: sink)
            await connection.close()
            return schema
        } catch let error as StevedoreError {
            await connection.close()
            throw error
        } catch {
            await connection.close()
            throw StevedoreError(
                code: error is ObjectStoreError ? .stage : .warehouse, step: .loadBack,
                message: "\(error)", table: table.description, partition: partition?.label,
                underlying: error)
        }
    }

    private func export(
        _ table: TableRef, partition: PartitionSpec?, columns requested: [String]?,
        on connection: any WarehouseSession, prepare: @escaping @Sendable (Schema, [SQLType]?) async throws -> Bool,
        to sink: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws
        -> Schema
    {
        switch dialect.copyRoute {
        case .client(let client):
            return try await connection.transaction { connection in
                // First the lock: a load's DDL commits before the columns and rows are read.
                let kind = client.relationKind(table.tableName)
                guard let relkind = try await connection.execute(kind.sql, kind.parameters).scalar else {
                    throw Self.missingTable(table)
                }
                if client.readLocks(relationKind: relkind) {
                    let lock = client.readLock(table.tableName)
                    try await connection.execute(lock.sql, lock.parameters)
                }
                let (schema, selection, picked) = try await selection(
                    table, partition: partition, columns: requested, on: connection)
                let select = selection.statement
                let binary = try await prepare(schema, picked.map(\.type))
                let (settings, sql) = client.settingsForm(select)
                try await connection.execute(settings.sql, settings.parameters)
                let copy = client.copyToStdout(sql, binary: binary)
                _ = try await connection.copyOut(copy, chunkSize: 1 << 20) { chunk in
                    try await sink(chunk)
                }
                return schema
            }
        case .stage(let stageCopy):
            let (schema, select, picked) = try await selection(
                table, partition: partition, columns: requested, on: connection)
            _ = try await prepare(schema, nil)
            let flagged = picked.indices.filter { UnloadedCSV.flagsNulls(of: picked[$0].type) }
            let unloadSelect = stageCopy.unloadSelect(
                picked.map(\.name), flaggingNulls: flagged.map { picked[$0].name }, from: table.tableName,
                where: select.condition)
            try await unloadThroughStage(
                stageCopy, select: unloadSelect, rewriter: UnloadedCSV(columnCount: picked.count, flagged: flagged),
                table: table, connection: connection, sink: sink)
            return schema
        }
    }

    private static func missingTable(_ table: TableRef) -> StevedoreError {
        StevedoreError(
            code: .invalidRequest, step: .loadBack, message: "the table does not exist", table: table.description)
    }

    /// The columns to read (all, or those `requested`, in that order) with their types, and the
    /// SELECT of them from `table` or its `partition`.
    private func selection(
        _ table: TableRef, partition: PartitionSpec?, columns requested: [String]?,
        on connection: any WarehouseSession
    ) async throws -> (Schema, (statement: SQLStatement, condition: SQLCondition?), [ColumnDefinition]) {
        guard let existing = try await existingColumns(table, on: connection) else {
            throw Self.missingTable(table)
        }
        let byName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let picked = try (requested ?? existing.map(\.name)).map { name in
            guard let column = byName[name] else {
                throw StevedoreError(
                    code: .invalidRequest, step: .loadBack, message: "the table has no column '\(name)'",
                    table: table.description)
            }
            return column
        }
        let schema = Schema(
            picked.map {
                Schema.Field(
                    name: $0.name, type: TypeMapping.columnType($0.type),
                    isNullable: $0.isNullable)
            })
        let types = Dictionary(existing.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let condition = partition?.condition(dialect: dialect, types: types)
        let select = dialect.select(picked.map(\.name), from: table.tableName, where: condition, orderBy: [])
        return (schema, (select, condition), picked)
    }

    /// A stage-route warehouse (Redshift): UNLOAD to the stage as gzip CSV with a manifest, then read
    /// the parts back in order, each rewritten by `rewriter` into the staged CSV's spelling of NULL.
    private func unloadThroughStage(
        _ stageCopy: any StageCopySQL, select: SQLStatement, rewriter: UnloadedCSV, table: TableRef,
        connection: any WarehouseSession, sink: @escaping @Sendable ([UInt8]) async throws -> Void
    )
        async throws
    {
        guard let authorization = options.redshiftAuthorization, stage.location.hasPrefix("s3://") else {
            throw StevedoreError(
                code: .invalidRequest, step: .loadBack,
                message: "Redshift unloads only to an S3 stage, with an IAM role or access keys")
        }
        let prefix = "\(options.stagePrefix)/unload/\(table.schema)/\(table.table)/\(LoadID.make().rawValue)/"
        let query = try dialect.inlineParameters(select)
        let sql = try stageCopy.unload(
            query: query, to: stage.manifestURLPrefix + prefix, authorization: authorization,
            region: options.redshiftRegion, ordered: false)
        try await connection.execute(sql, [])
        let manifest = String(decoding: try await stage.getBytes(prefix + "manifest"), as: UTF8.self)
        let urls = manifest.components(separatedBy: "\"url\":\"").dropFirst().compactMap {
            $0.split(separator: "\"").first
        }
        // Each part streams from its download (a channel of a few chunks), and the next part's
        // download starts while this one is read: at most two parts' chunks in memory, not a part.
        let keys = urls.map { String($0.dropFirst(stage.manifestURLPrefix.count)) }
        var next = keys.first.map { PartDownload(key: $0, from: stage) }
        for index in keys.indices {
            guard let current = next else { break }
            next = index + 1 < keys.count ? PartDownload(key: keys[index + 1], from: stage) : nil
            do {
                try await current.read(rewriting: rewriter, to: sink)
            } catch {
                current.cancel()
                next?.cancel()
                throw error
            }
        }
        let written = try await stage.listKeys(prefix: prefix)
        _ = try await stage.deleteMany(written)
    }
}

/// One unloaded part downloading into a channel (a few chunks), read as it arrives.
private struct PartDownload: Sendable {
    let key: String
    private let channel: ByteChannel
    private let task: Task<Void, Never>

    init(key: String, from stage: any ObjectStore) {
        self.key = key
        (channel, task) = ByteChannel.downloading(key, from: stage)
    }

    /// Gunzips the part as it arrives, hands `rewriter`'s CSV of it to `sink`, and checks the end.
    func read(rewriting rewriter: UnloadedCSV, to sink: @escaping @Sendable ([UInt8]) async throws -> Void)
        async throws
    {
        let reader = try GzipReader()
        var csv = rewriter
        while true {
            // Up to 1 MiB of the download a hop to the pool, so that a part is not read chunk by chunk.
            let channel = self.channel
            let compressed = try await BlockingPool.shared.run { () throws -> [UInt8] in
                var gathered: [UInt8] = []
                while gathered.count < 1 << 20 {
                    let chunk = try channel.read()
                    if chunk.isEmpty { break }
                    gathered += chunk
                }
                return gathered
            }
            if compressed.isEmpty { break }
            var output = try reader.read(compressed)
            while true {
                if !output.isEmpty { try await sink(try csv.rewrite(output)) }
                guard reader.hasPendingInput else { break }
                output = try reader.read([])
            }
        }
        try reader.finish()
        let last = try csv.finish()
        if !last.isEmpty { try await sink(last) }
        await task.value
    }

    /// Stops the download: its sends fail, and the task ends.
    func cancel() {
        channel.closeReader()
        task.cancel()
    }
}

/// Counts the rows of an export as its chunks go by.
actor RowCount {
    private var counter = CSVRowCounter()
    var rows: Int { counter.rows }

    func scan(_ chunk: [UInt8]) {
        counter.scan(chunk)
    }
}

/// Gathers CSV chunks handed over by a COPY or a download.
actor CSVCollector {
    private(set) var bytes: [UInt8] = []

    func append(_ chunk: [UInt8]) {
        bytes += chunk
    }
}
