import Foundation
import Frames
import ObjectStore
import Warehouse

/// What an export to the stage wrote: gzip CSV parts (the dialect's NULL marker, no header) and a
/// manifest in Redshift's format listing them.
public struct ExportReport: Sendable, Hashable {
    public var parts: [StagedPart]
    public var manifestKey: String
    public var rows: Int
    public var schema: Schema
}

extension Loader {
    /// Exports `table` (or one partition of it) into the stage under `prefix` as gzip CSV parts
    /// plus `manifest.json`, so another warehouse or a later load can COPY them. The rows stream
    /// (`COPY … TO STDOUT` on PostgreSQL, UNLOAD read back on Redshift) and each part is uploaded
    /// as soon as it is full: memory holds one part at most.
    public func export(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
        toStagePrefix prefix: String
    ) async throws -> ExportReport {
        let keyPrefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        let collector = try PartCollector(
            store: stage, prefix: keyPrefix,
            partSize: options.partSize, gzipLevel: options.gzipLevel)
        let schema = try await export(table, partition: partition, columns: columns) { try await collector.append($0) }
        do {
            return try await collector.finish(schema: schema)
        } catch {
            // The last part and the manifest go up after the COPY: a failure there is the stage's,
            // reported like one during it (not as a bare ObjectStoreError).
            throw StevedoreError(
                code: .stage, step: .loadBack, message: "\(error)", table: table.description,
                partition: partition?.label, underlying: error)
        }
    }
}

/// Gathers row-aligned CSV chunks into gzip parts of about `partSize` compressed bytes and uploads
/// each as soon as it is full, then writes the manifest.
actor PartCollector {
    private let store: any ObjectStore
    private let prefix: String
    private var builder: GzipPartBuilder
    private var parts: [StagedPart] = []
    private var counter = CSVRowCounter()

    init(store: any ObjectStore, prefix: String, partSize: Int, gzipLevel: Int) throws {
        self.store = store
        self.prefix = prefix
        builder = try GzipPartBuilder(partSize: partSize, gzipLevel: gzipLevel)
    }

    /// Takes CSV bytes that end on a row boundary; rows are counted outside quotes, and a part may
    /// end after any row, so parts stay near their size however large the chunks are.
    func append(_ chunk: [UInt8]) async throws {
        var pieces: [(range: Range<Int>, rows: Int)] = []
        var start = 0
        var rowsInPiece = 0
        counter.scan(chunk) { end in
            rowsInPiece += 1
            if end - start >= 64 * 1024 {
                pieces.append((start..<end, rowsInPiece))
                start = end
                rowsInPiece = 0
            }
        }
        if start < chunk.count {
            pieces.append((start..<chunk.count, rowsInPiece))
        }
        for piece in pieces {
            try await write(Array(chunk[piece.range]), rows: piece.rows)
        }
    }

    private func write(_ piece: [UInt8], rows newRows: Int) async throws {
        if try builder.write(piece, rows: newRows) {
            try await closePart()
        }
    }

    private func closePart() async throws {
        guard !builder.isEmpty else { return }
        let (body, summary, partRows) = try builder.finish()
        let part = StagedPart(
            key: GzipPartBuilder.key(prefix: prefix, number: parts.count + 1), rowCount: partRows,
            uncompressedByteCount: summary.uncompressedByteCount,
            compressedByteCount: summary.compressedByteCount, sha256: summary.sha256.hex,
            columnCount: 0)
        try await store.put(part.key, body: .bytes(body, sha256: part.sha256))
        parts.append(part)
    }

    /// Uploads the last part and the manifest.
    func finish(schema: Schema) async throws -> ExportReport {
        try await closePart()
        let listed = parts.map { part -> StagedPart in
            var part = part
            part.columnCount = schema.fields.count
            return part
        }
        let manifestKey = "\(prefix)manifest.json"
        let manifest = StageManifest(parts: listed, urlPrefix: store.manifestURLPrefix)
        try await store.put(manifestKey, body: .bytes(Array(manifest.json.utf8)))
        return ExportReport(parts: listed, manifestKey: manifestKey, rows: counter.rows, schema: schema)
    }
}
