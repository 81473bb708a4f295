import Digest
import Frames
import ObjectStore

/// One encoded batch on its way from the encoder to the part writer: its CSV, what it holds, and
/// what the encoder had inferred at its end.
struct EncodedBatch: Sendable {
    /// The batch's CSV, in a buffer of `Stager.csvBuffers`.
    var csv: [UInt8]
    var rowCount: Int
    /// Its lines as a COPY numbers them.
    var lineCount: Int
    /// The columns its rows have (a part holds rows of one width).
    var columns: [String]
    var schema: Schema
    var inference: SchemaInference
    var origins: RowOrigins?
    /// Its rows in binary, when the encoder wrote them (`Stager.binaryRows`).
    var binary: BinaryRows? = nil
}

/// What the part writer made of the encoded batches.
struct WrittenParts: Sendable {
    var parts: [StagedPart]
    var uncompressedByteCount: Int
    /// SHA-256 of every batch's CSV, in order.
    var contentSHA256: String
}

/// The stager's second stage: compresses encoded batches into gzip parts, rotated at `partSize`
/// compressed bytes, uploads each part once complete (`uploadConcurrency` at once) and hands each
/// batch to the pipelined COPY. It runs beside the encoder, so that deflating one batch overlaps
/// encoding the next.
struct PartWriter: Sendable {
    let store: any ObjectStore
    /// Key prefix ending in `/`.
    let prefix: String
    let partSize: Int
    /// The first part's size, when smaller (see `Stager.firstPartSize`).
    let firstPartSize: Int?
    let gzipLevel: Int
    let uploadConcurrency: Int
    let bodies: PartBufferPool
    let csvBuffers: PartBufferPool
    let chunkSink: (@Sendable (CopyChunk) async throws -> Void)?
    let progress: (@Sendable (LoadProgress) -> Void)?

    /// Writes every batch of `batches` until it finishes; on a failure of its own, it finishes
    /// `batches` with the error, so that the encoder stops sending.
    func write(_ batches: BoundedQueue<EncodedBatch>) async throws -> WrittenParts {
        do {
            return try await writeParts(batches)
        } catch {
            await batches.finish(throwing: error)
            throw error
        }
    }

    private func writeParts(_ batches: BoundedQueue<EncodedBatch>) async throws -> WrittenParts {
        var content = StreamingHash(.sha256)
        var parts: [StagedPart] = []
        var builder = try GzipPartBuilder(
            partSize: partSize, firstPartSize: firstPartSize, gzipLevel: gzipLevel, bodies: bodies)
        var partColumns = 0
        var partOrigins = PartOrigins()
        var totalUncompressed = 0
        var rowsWritten = 0
        var last: (columns: [String], schema: Schema, inference: SchemaInference)?
        let store = self.store
        let bodies = self.bodies

        return try await withThrowingTaskGroup(of: StagedPart.self) { group in
            var inFlight = 0

            func finishPart() async throws {
                guard !builder.isEmpty else { return }
                let (body, summary, rows) = try builder.finish()
                let part = StagedPart(
                    key: GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight + 1),
                    rowCount: rows, uncompressedByteCount: summary.uncompressedByteCount,
                    compressedByteCount: summary.compressedByteCount, sha256: summary.sha256.hex,
                    columnCount: partColumns, origins: partOrigins)
                partOrigins = PartOrigins()
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

            while var batch = try await batches.next() {
                // A part holds rows of one width: when the columns grow, the part ends.
                if !builder.isEmpty && batch.columns.count != partColumns {
                    try await finishPart()
                }
                partColumns = batch.columns.count
                // The part these rows go into, named before a full part is finished.
                let partKey = GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight + 1)
                content.update(batch.csv)
                totalUncompressed += batch.csv.count
                rowsWritten += batch.rowCount
                partOrigins.append(lines: batch.lineCount, origins: batch.origins)
                let partIsFull = try builder.write(batch.csv, rows: batch.rowCount)
                if partIsFull {
                    try await finishPart()
                }
                last = (batch.columns, batch.schema, batch.inference)
                let csv = batch.takeCSV()
                // A batch of no rows (a header alone) tells the COPY nothing.
                if let chunkSink, batch.rowCount > 0 {
                    try await chunkSink(
                        CopyChunk(
                            partKey: partKey, endsPart: partIsFull, csv: csv, rowCount: batch.rowCount,
                            lineCount: batch.lineCount, columns: batch.columns, schema: batch.schema,
                            inference: batch.inference, origins: batch.origins, binary: batch.binary.take()))
                } else {
                    csvBuffers.recycle(consume csv)
                    if let rows = batch.binary.take() { csvBuffers.recycle(rows.takeBytes()) }
                }
                progress?(
                    LoadProgress(
                        phase: "encode+stage", rows: rowsWritten, bytes: totalUncompressed,
                        parts: parts.count + inFlight))
            }
            try await finishPart()
            // The end of the input ends the last part: the COPY learns it before the uploads finish.
            if let chunkSink, rowsWritten > 0, let last {
                try await chunkSink(
                    CopyChunk(
                        partKey: GzipPartBuilder.key(prefix: prefix, number: parts.count + inFlight), endsPart: true,
                        csv: [], rowCount: 0, lineCount: 0, columns: last.columns, schema: last.schema,
                        inference: last.inference))
            }
            for try await done in group {
                parts.append(done)
            }
            parts.sort { $0.key < $1.key }
            return WrittenParts(
                parts: parts, uncompressedByteCount: totalUncompressed,
                contentSHA256: content.finalize().hex)
        }
    }
}

extension EncodedBatch {
    /// The batch's CSV, moved out (the batch keeps an empty buffer), so that it can go on unshared.
    mutating func takeCSV() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &csv)
        return taken
    }
}
