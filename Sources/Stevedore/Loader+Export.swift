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
    public func export(_ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
                       toStagePrefix prefix: String) async throws -> ExportReport {
        let collector = PartCollector(store: stage, prefix: prefix.hasSuffix("/") ? prefix : prefix + "/",
                                      partSize: options.partSize, gzipLevel: options.gzipLevel)
        let schema = try await export(table, partition: partition, columns: columns) { try await collector.append($0) }
        return try await collector.finish(schema: schema)
    }
}

/// Gathers row-aligned CSV chunks into gzip parts of about `partSize` compressed bytes and uploads
/// each as soon as it is full, then writes the manifest.
actor PartCollector {
    private let store: any ObjectStore
    private let prefix: String
    private let partSize: Int
    private let gzipLevel: Int
    private var writer: GzipWriter?
    private var current: [UInt8] = []
    private var currentRows = 0
    private var flushedAt = 0
    private var parts: [StagedPart] = []
    private var rows = 0

    init(store: any ObjectStore, prefix: String, partSize: Int, gzipLevel: Int) {
        self.store = store
        self.prefix = prefix
        self.partSize = partSize
        self.gzipLevel = gzipLevel
    }

    /// Inside a quoted field at the end of the bytes seen so far (a `""` toggles twice).
    private var inQuote = false

    /// Takes CSV bytes that end on a row boundary; rows are counted outside quotes, and a part may
    /// end after any row, so parts stay near their size however large the chunks are.
    func append(_ chunk: [UInt8]) async throws {
        var start = 0
        var rowsInPiece = 0
        var index = 0
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                inQuote.toggle()
            } else if byte == UInt8(ascii: "\n") && !inQuote {
                rowsInPiece += 1
                if index - start >= 64 * 1024 {
                    try await write(Array(chunk[start..<index]), rows: rowsInPiece)
                    start = index
                    rowsInPiece = 0
                }
            }
        }
        if start < chunk.count {
            try await write(Array(chunk[start...]), rows: rowsInPiece)
        }
    }

    private func write(_ piece: [UInt8], rows newRows: Int) async throws {
        if writer == nil { writer = try GzipWriter(level: gzipLevel) }
        guard let writer else { return }
        try writer.write(piece)
        currentRows += newRows
        rows += newRows
        if writer.compressedByteCount < partSize && writer.uncompressedByteCount - flushedAt >= partSize {
            try writer.flush()
            flushedAt = writer.uncompressedByteCount
        }
        current += writer.drain()
        if writer.compressedByteCount >= partSize {
            try await closePart()
        }
    }

    private func closePart() async throws {
        guard let writer, currentRows > 0 else { return }
        let summary = try writer.finish()
        current += writer.drain()
        let part = StagedPart(key: "\(prefix)part-\(String(parts.count + 1).leftPadded(to: 5)).csv.gz",
                              rowCount: currentRows, uncompressedByteCount: summary.uncompressedByteCount,
                              compressedByteCount: summary.compressedByteCount, sha256: summary.sha256.hex,
                              columnCount: 0)
        let body = current
        current = []
        currentRows = 0
        flushedAt = 0
        self.writer = nil
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
        return ExportReport(parts: listed, manifestKey: manifestKey, rows: rows, schema: schema)
    }
}
