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
    /// The input's file and line of each row (nil for a frame).
    var origins: RowOrigins? = nil
    /// The same rows in PostgreSQL's binary COPY format, when the encoder wrote them.
    var binary: BinaryRows? = nil

    /// The batch's CSV, moved out (the chunk keeps an empty buffer), so that it can go back to a
    /// pool unshared once written.
    mutating func takeCSV() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &csv)
        return taken
    }

    /// Hands the chunk's buffers back to `pool`.
    mutating func recycle(into pool: PartBufferPool) {
        pool.recycle(takeCSV())
        if let rows = binary.take() { pool.recycle(rows.takeBytes()) }
    }
}

/// A batch's rows in PostgreSQL's binary COPY format, written by the encoder from the input's
/// fields beside their CSV, for the send formats the pipelined COPY is expected to use.
struct BinaryRows: Sendable {
    var fields: [PostgresBinaryCopy.Field]
    var bytes: [UInt8]

    /// The bytes, moved out, so that they go back to a pool unshared.
    consuming func takeBytes() -> [UInt8] { bytes }
}

/// Encodes rows into gzip CSV parts, rotated at `partSize` compressed bytes, and uploads each part
/// as soon as it is complete. Three stages overlap: the input is read (parsed) a few batches ahead, the
/// encoder types and writes each batch's CSV, and a `PartWriter` compresses and uploads it. Memory
/// holds a few batches in each hand-off, one part being written and the parts in flight.
struct Stager: Sendable {
    let store: any ObjectStore
    /// Key prefix ending in `/`.
    let prefix: String
    let partSize: Int
    /// A smaller size for the first part: a pipelined COPY holds the first part's batches until it
    /// ends, and starts no sooner.
    var firstPartSize: Int? = nil
    let gzipLevel: Int
    let uploadConcurrency: Int
    let nullMarker: NullMarker
    /// What precedes a binary value's hex digits in the staged CSV (the dialect's).
    var binaryHexPrefix = "\\x"
    let pinnedTypes: [String: ColumnType]
    /// The existing table's column types, which every value is checked against.
    var targetTypes: [String: ColumnType] = [:]
    /// Whether `targetTypes` is keyed by folded names (Redshift).
    var foldsTargetNames = false
    /// Whether the warehouse reads exponent notation into a decimal column.
    var reading = CopyReading()
    let membership: PartitionMembership
    /// Told after each batch: rows and bytes encoded, parts finished.
    var progress: (@Sendable (LoadProgress) -> Void)? = nil
    /// Handed each batch's CSV as it is encoded, with what the encoder knows so far (the pipelined
    /// COPY on PostgreSQL), after the part it ends, if any, has started uploading; at the end of
    /// the input, a batch of no rows that ends the last part. Staging waits while it waits.
    var chunkSink: (@Sendable (CopyChunk) async throws -> Void)? = nil
    /// The binary COPY each input batch's rows are also written for, given the batch's columns and
    /// what the encoder has inferred up to its end (the pipelined COPY's expected send formats);
    /// nil, or a nil answer: CSV only, which the COPY converts if it copies in binary.
    var binaryRows: (@Sendable ([String], SchemaInference) -> PostgresBinaryCopy?)? = nil
    /// Buffers for the parts' gzip bytes, handed back once a part is uploaded.
    var bodies = PartBufferPool()
    /// Buffers for each batch's CSV, from the encoder to the COPY; its receiver hands them back here.
    /// As many stay idle as the COPY's queue holds at its fullest (16 MiB of 256 KiB batches).
    var csvBuffers = PartBufferPool(limit: 72)

    /// Batches read ahead of the encoder, and encoded batches waiting for the part writer.
    static let readAhead = 4
    static let encodedAhead = 4

    /// What each stage's task ends with.
    private enum StageEnd: Sendable {
        case read
        case written(WrittenParts)
    }

    func stage(_ source: LoadSource) async throws -> StagingResult {
        var encoder = StagedCSVEncoder(
            nullMarker: nullMarker, pinnedTypes: pinnedTypes, targetTypes: targetTypes,
            foldsTargetNames: foldsTargetNames,
            reading: reading, binaryHexPrefix: binaryHexPrefix)
        let encoded = BoundedQueue<EncodedBatch>(capacity: Self.encodedAhead)
        let writer = PartWriter(
            store: store, prefix: prefix, partSize: partSize, firstPartSize: firstPartSize, gzipLevel: gzipLevel,
            uploadConcurrency: uploadConcurrency, bodies: bodies, csvBuffers: csvBuffers,
            chunkSink: chunkSink, progress: progress)
        let csvBuffers = self.csvBuffers
        var linesWritten = 0
        var bufferSize = 0

        return try await withThrowingTaskGroup(of: StageEnd.self) { group in
            group.addTask { .written(try await writer.write(encoded)) }
            var read: BoundedQueue<TextBatch>?

            func append(
                columns: Int, rows: Int, from input: TextBatch? = nil,
                _ encode: (inout StagedCSVEncoder) throws -> Void
            ) async throws {
                try encode(&encoder)
                let lines = encoder.lineCount - linesWritten
                linesWritten = encoder.lineCount
                let origins = input.map { RowOrigins($0, rowsWithLineFeeds: encoder.rowsWithLineFeeds) }
                let csv = encoder.takeOutput(leaving: csvBuffers.take(capacity: bufferSize))
                let names = Array(encoder.columnNames.prefix(columns))
                var binary: BinaryRows?
                if let input, input.columnNames == names, let copy = binaryRows?(names, encoder.inference) {
                    // From the input's fields: the CSV just written need not be read again.
                    var bytes = csvBuffers.take(capacity: copy.typicalSize(of: input))
                    if let written = copy.encode(input, into: &bytes) {
                        bytes.removeLast(bytes.count - written)
                        binary = BinaryRows(fields: copy.fields, bytes: bytes)
                    } else {
                        csvBuffers.recycle(consume bytes)
                    }
                }
                bufferSize = Self.chunkCapacity(csv.count)
                try await encoded.send(
                    EncodedBatch(
                        csv: csv, rowCount: rows, lineCount: lines, columns: names,
                        schema: encoder.schema, inference: encoder.inference, origins: origins, binary: binary))
            }

            do {
                switch source {
                case .frame(let frame):
                    try membership.check(frame)
                    // Small batches let parts rotate close to their size.
                    for batch in frame.batches(maxRows: 1024) {
                        try await append(columns: batch.columnCount, rows: batch.rowCount) { try $0.append(batch) }
                    }
                case .batches(let batches):
                    let queue = BoundedQueue<TextBatch>(capacity: Self.readAhead)
                    read = queue
                    group.addTask {
                        await Self.read(batches, into: queue)
                        return .read
                    }
                    while let batch = try await queue.next() {
                        try membership.check(batch)
                        let columns = Set(encoder.columnNames).union(batch.columnNames).count
                        try await append(columns: columns, rows: batch.rowCount, from: batch) { try $0.append(batch) }
                    }
                }
                await encoded.finish()
            } catch {
                // Each stage stops: the writer at its next batch, the reader at its next send.
                await encoded.finish(throwing: error)
                await read?.finish(throwing: error)
                throw error
            }
            var written: WrittenParts?
            for try await end in group {
                if case .written(let parts) = end { written = parts }
            }
            guard let written else { throw CancellationError() }
            let manifestKey = "\(prefix)manifest.json"
            let manifest = StageManifest(parts: written.parts, urlPrefix: store.manifestURLPrefix)
            try await store.put(manifestKey, body: .bytes(Array(manifest.json.utf8)))
            return StagingResult(
                parts: written.parts, manifestKey: manifestKey, schema: encoder.schema, inference: encoder.inference,
                rowCount: encoder.rowCount, uncompressedByteCount: written.uncompressedByteCount,
                compressedByteCount: written.parts.reduce(0) { $0 + $1.compressedByteCount },
                contentSHA256: written.contentSHA256)
        }
    }

    /// Reads `batches` into `queue` ahead of the encoder; a read error reaches the encoder through it.
    private static func read(
        _ batches: AsyncThrowingStream<TextBatch, any Error>,
        into queue: BoundedQueue<TextBatch>
    ) async {
        do {
            for try await batch in batches {
                try await queue.send(batch)
            }
            await queue.finish()
        } catch {
            await queue.finish(throwing: error)
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
