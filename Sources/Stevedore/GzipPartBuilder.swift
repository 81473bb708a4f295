import Frames

/// Builds one staged part at a time: CSV bytes in, a complete gzip file out once it reaches the
/// part size (measured on the compressed bytes, flushing zlib when it may be holding a block back).
struct GzipPartBuilder {
    let partSize: Int
    /// The size of the first part (a pipelined COPY starts when it ends).
    let firstPartSize: Int
    let gzipLevel: Int
    /// The size the part being built ends at: the first part's, then `partSize`.
    private var limit: Int
    private var writer: GzipWriter
    /// Rows written into the current part.
    private(set) var rowCount = 0
    private var flushedAt = 0

    /// Where the part buffers come from and go back to.
    let bodies: PartBufferPool

    init(partSize: Int, firstPartSize: Int? = nil, gzipLevel: Int, bodies: PartBufferPool = PartBufferPool()) throws {
        self.partSize = partSize
        self.firstPartSize = min(firstPartSize ?? partSize, partSize)
        limit = self.firstPartSize
        self.gzipLevel = gzipLevel
        self.bodies = bodies
        writer = try GzipWriter(level: gzipLevel)
        try startPart()
    }

    var isEmpty: Bool { rowCount == 0 }

    /// Compresses `bytes` (holding `rows` whole rows); true when the part is now full.
    mutating func write(_ bytes: [UInt8], rows: Int) throws -> Bool {
        try writer.write(bytes)
        rowCount += rows
        if writer.compressedByteCount < limit && writer.uncompressedByteCount - flushedAt >= limit {
            try writer.flush()
            flushedAt = writer.uncompressedByteCount
        }
        return writer.compressedByteCount >= limit
    }

    /// Ends the part: its gzip bytes and summary, and a fresh builder state for the next part. The
    /// compressed bytes stay in the writer until here: no copy per write.
    mutating func finish() throws -> (body: [UInt8], summary: GzipSummary, rows: Int) {
        let summary = try writer.finish()
        let finished = (writer.drain(), summary, rowCount)
        limit = partSize
        try startPart()
        return finished
    }

    /// Empties the builder for the next part, with a buffer from the pool sized for a whole part.
    private mutating func startPart() throws {
        // A part ends at its size or just past it: by a batch's bytes, at most a few megabytes.
        try writer.restart(output: bodies.take(capacity: limit + limit / 4 + (1 << 20)))
        rowCount = 0
        flushedAt = 0
    }

    /// The key of part `number` (from 1) under `prefix`.
    static func key(prefix: String, number: Int) -> String {
        "\(prefix)part-\(String(number).leftPadded(to: 5)).csv.gz"
    }
}
