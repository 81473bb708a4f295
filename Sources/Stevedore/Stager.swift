import Digest
import Foundation
import Frames
import ObjectStore

/// What a load reads its rows from.
public enum LoadSource: Sendable {
    case frame(Frame)
    /// Batches of raw text rows (from a CSV or JSON Lines reader, or a pipeline), typed by inference.
    case batches(AsyncThrowingStream<TextBatch, any Error>)
}

/// The outcome of staging: the parts in the stage and what the encoder learnt of the data.
struct StagingResult: Sendable {
    var parts: [StagedPart]
    var manifestKey: String
    var schema: Schema
    /// What the encoder learnt of each column over every row.
    var inference: SchemaInference
    var rowCount: Int
    var uncompressedByteCount: Int
    var compressedByteCount: Int
    /// SHA-256 of the whole staged CSV, uncompressed, in part order: equal content, equal checksum.
    var contentSHA256: String
}

/// The CSV of one encoded batch as the pipelined COPY takes it, while the part it belongs to is
/// still being written or uploaded: its bytes (what the staged object will decompress to), its
/// part, its columns, and the schema and value widths the encoder has inferred up to its end.
struct CopyChunk: Sendable {
    /// The key of the staged part these rows belong to.
    var partKey: String
    /// Whether the part ends with these rows.
    var endsPart: Bool
    var csv: [UInt8]
    var rowCount: Int
    /// Its lines as a COPY numbers them (rows, and line feeds inside quoted values).
    var lineCount: Int
    var columns: [String]
    var schema: Schema
    /// What the encoder learnt of each column up to these rows.
    var inference: SchemaInference

    /// The batch's CSV, moved out (the chunk keeps an empty buffer), so that it can go back to a
    /// pool unshared once written.
    mutating func takeCSV() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &csv)
        return taken
    }
}

/// Encodes rows into gzip CSV parts, rotated at `partSize` compressed bytes, and uploads each part
/// as soon as it is complete while the next is encoded (`uploadConcurrency` at once). Memory holds
/// at most one part being written plus the parts in flight.
struct Stager: Sendable {
    let store: any ObjectStore
    /// Key prefix ending in `/`.
    let prefix: String
    let partSize: Int
    let gzipLevel: Int
    let uploadConcurrency: Int
    let nullMarker: NullMarker
    let pinnedTypes: [String: ColumnType]
    /// The existing table's column types, which every value is checked against.
    var targetTypes: [String: ColumnType] = [:]
    /// Whether `targetTypes` is keyed by folded names (Redshift).
    var foldsTargetNames = false
    let membership: PartitionMembership
    /// Told after each batch: rows and bytes encoded, parts finished.
    var progress: (@Sendable (LoadProgress) -> Void)? = nil
    /// Handed each batch's CSV as it is encoded, with what the encoder knows so far (the pipelined
    /// COPY on PostgreSQL), after the part it ends, if any, has started uploading; at the end of
    /// the input, a batch of no rows that ends the last part. Staging waits while it waits.
    var chunkSink: (@Sendable (CopyChunk) async throws -> Void)? = nil
    /// Buffers for the parts' gzip bytes, handed back once a part is uploaded.
    var bodies = PartBufferPool()
    /// Buffers for the CSV handed to `chunkSink`; its receiver hands them back here.
    var csvBuffers = PartBufferPool(limit: 16)

    func stage(_ source: LoadSource) async throws -> StagingResult {
        var encoder = StagedCSVEncoder(nullMarker: nullMarker, pinnedTypes: pinnedTypes, targetTypes: targetTypes,
                                       foldsTargetNames: foldsTargetNames)
        var content = StreamingHash(.sha256)
        var parts: [StagedPart] = []
        var builder = try GzipPartBuilder(partSize: partSize, gzipLevel: gzipLevel, bodies: bodies)
        let bodies = self.bodies
        let csvBuffers = self.csvBuffers
        var partColumns = 0
        var totalUncompressed = 0
        var linesWritten = 0
        let store = self.store

        return try await withThrowingTaskGroup(of: StagedPart.self) { group in
            var inFlight = 0

            func finishPart() async throws {
                guard !builder.isEmpty else { return }
                let (body, summary, rows) = try builder.finish()
                let part = StagedPart(key: GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight + 1),
                                      rowCount: rows, uncompressedByteCount: summary.uncompressedByteCount,
                                      compressedByteCount: summary.compressedByteCount, sha256: summary.sha256.hex,
                                      columnCount: partColumns)
                if inFlight >= uploadConcurrency, let done = try await group.next() {
                    parts.append(done)
                    inFlight -= 1
                }
                let handoff = BufferHandoff(body)
                group.addTask {
                    let body = handoff.take()
                    try await store.put(part.key, body: .bytes(body, sha256: part.sha256))
                    bodies.recycle(consume body)
                    return part
                }
                inFlight += 1
            }

            /// What the COPY gets for a batch, with what the encoder knows at its end.
            func copyChunk(partKey: String, endsPart: Bool, csv: [UInt8], rows: Int, lines: Int) -> CopyChunk {
                CopyChunk(
                    partKey: partKey, endsPart: endsPart, csv: csv, rowCount: rows, lineCount: lines,
                    columns: Array(encoder.columnNames.prefix(partColumns)), schema: encoder.schema,
                    inference: encoder.inference)
            }

            func write(rows: Int) async throws {
                let lines = encoder.lineCount - linesWritten
                linesWritten = encoder.lineCount
                // The part these rows go into, named before a full part is finished.
                let partKey = GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight + 1)
                // A batch of no rows (a header alone) tells the COPY nothing.
                let copied = chunkSink != nil && rows > 0
                var chunkCSV: [UInt8] = []
                let partIsFull = try encoder.consumeOutput { bytes in
                    content.update(bytes)
                    totalUncompressed += bytes.count
                    if copied {
                        chunkCSV = csvBuffers.take(capacity: Self.chunkCapacity(bytes.count))
                        chunkCSV.append(contentsOf: bytes)
                    }
                    return try builder.write(bytes, rows: rows)
                }
                if partIsFull {
                    try await finishPart()
                }
                if copied, let chunkSink {
                    try await chunkSink(copyChunk(partKey: partKey, endsPart: partIsFull, csv: chunkCSV, rows: rows,
                                                  lines: lines))
                }
                progress?(LoadProgress(phase: "encode+stage", rows: encoder.rowCount, bytes: totalUncompressed,
                                       parts: parts.count + inFlight))
            }

            func append(columns: Int, rows: Int, _ encode: (inout StagedCSVEncoder) throws -> Void) async throws {
                // A part holds rows of one width: when the columns grow, the part ends.
                if !builder.isEmpty && columns != partColumns {
                    try await finishPart()
                }
                partColumns = columns
                try encode(&encoder)
                try await write(rows: rows)
            }

            switch source {
            case .frame(let frame):
                try membership.check(frame)
                // Small batches let parts rotate close to their size.
                for batch in frame.batches(maxRows: 1024) {
                    try await append(columns: batch.columnCount, rows: batch.rowCount) { try $0.append(batch) }
                }
            case .batches(let batches):
                for try await batch in batches {
                    try membership.check(batch)
                    let columns = Set(encoder.columnNames).union(batch.columnNames).count
                    try await append(columns: columns, rows: batch.rowCount) { try $0.append(batch) }
                }
            }
            try await finishPart()
            // The end of the input ends the last part: the COPY learns it before the uploads finish.
            if let chunkSink, encoder.rowCount > 0 {
                try await chunkSink(copyChunk(partKey: GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight),
                                              endsPart: true, csv: [], rows: 0, lines: 0))
            }
            for try await done in group {
                parts.append(done)
            }
            parts.sort { $0.key < $1.key }
            let manifestKey = "\(prefix)manifest.json"
            let manifest = StageManifest(parts: parts, urlPrefix: store.manifestURLPrefix)
            try await store.put(manifestKey, body: .bytes(Array(manifest.json.utf8)))
            return StagingResult(
                parts: parts, manifestKey: manifestKey, schema: encoder.schema, inference: encoder.inference,
                rowCount: encoder.rowCount, uncompressedByteCount: totalUncompressed,
                compressedByteCount: parts.reduce(0) { $0 + $1.compressedByteCount },
                contentSHA256: content.finalize().hex)
        }
    }
}

extension Stager {
    /// A batch's CSV buffer size: `bytes` rounded up to 64 KiB, so that pooled buffers fit the
    /// batches after them, whose sizes differ by a few bytes.
    static func chunkCapacity(_ bytes: Int) -> Int {
        (bytes + 0xFFFF) & ~0xFFFF
    }

}

extension ObjectStore {
    /// What a manifest entry's URL starts with: `s3://bucket/` for S3, the folder URL otherwise.
    var manifestURLPrefix: String {
        location.hasSuffix("/") ? location : location + "/"
    }
}
