import Frames

/// Builds one staged part at a time: CSV bytes in, a complete gzip file out once it reaches the
/// part size (measured on the compressed bytes, flushing zlib when it may be holding a block back).
/// With `keepsCSV`, it also keeps the part's CSV as written, for a COPY that needs no gunzip.
struct GzipPartBuilder {
    let partSize: Int
    let gzipLevel: Int
    let keepsCSV: Bool
    private var writer: GzipWriter
    private var csv: [UInt8] = []
    /// Rows written into the current part.
    private(set) var rowCount = 0
    /// Lines written into the current part (rows, and line feeds inside quoted values).
    private(set) var lineCount = 0
    private var flushedAt = 0

    /// Where the part buffers come from and go back to.
    let bodies: PartBufferPool
    let csvBuffers: PartBufferPool

    init(partSize: Int, gzipLevel: Int, keepsCSV: Bool = false, bodies: PartBufferPool = PartBufferPool(),
         csvBuffers: PartBufferPool = PartBufferPool()) throws {
        self.partSize = partSize
        self.gzipLevel = gzipLevel
        self.keepsCSV = keepsCSV
        self.bodies = bodies
        self.csvBuffers = csvBuffers
        writer = try GzipWriter(level: gzipLevel)
        try startPart()
    }

    var isEmpty: Bool { rowCount == 0 }

    /// Compresses `bytes` (holding `rows` whole rows on `lines` lines); true when the part is now full.
    mutating func write(_ bytes: [UInt8], rows: Int, lines: Int) throws -> Bool {
        try writer.write(bytes)
        if keepsCSV { csv.append(contentsOf: bytes) }
        rowCount += rows
        lineCount += lines
        if writer.compressedByteCount < partSize && writer.uncompressedByteCount - flushedAt >= partSize {
            try writer.flush()
            flushedAt = writer.uncompressedByteCount
        }
        // The kept CSV is bounded too, however well the data compresses.
        return writer.compressedByteCount >= partSize || (keepsCSV && csv.count >= Self.keptCSVLimit)
    }

    /// Ends the part: its gzip bytes and summary (and its CSV when kept), and a fresh builder state
    /// for the next part. The compressed bytes stay in the writer until here: no copy per write.
    mutating func finish() throws -> (body: [UInt8], summary: GzipSummary, rows: Int, lines: Int, csv: [UInt8]?) {
        let summary = try writer.finish()
        var kept: [UInt8] = []
        swap(&kept, &csv)
        let finished = (writer.drain(), summary, rowCount, lineCount, keepsCSV ? kept : nil)
        try startPart()
        return finished
    }

    /// Empties the builder for the next part, with buffers from the pools sized for a whole part.
    private mutating func startPart() throws {
        // A part ends at its size or just past it: by a batch's bytes, at most a few megabytes.
        try writer.restart(output: bodies.take(capacity: partSize + partSize / 4 + (1 << 20)))
        csv = keepsCSV ? csvBuffers.take(capacity: Self.keptCSVLimit + (2 << 20)) : []
        rowCount = 0
        lineCount = 0
        flushedAt = 0
    }

    /// A part whose kept CSV reaches this ends, whatever its compressed size.
    static let keptCSVLimit = 8 * 1024 * 1024

    /// The key of part `number` (from 1) under `prefix`.
    static func key(prefix: String, number: Int) -> String {
        "\(prefix)part-\(String(number).leftPadded(to: 5)).csv.gz"
    }
}
