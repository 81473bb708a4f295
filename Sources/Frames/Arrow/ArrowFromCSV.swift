/// Turns a warehouse's CSV output (PostgreSQL's `COPY … TO STDOUT`, Redshift's unloaded parts),
/// fed in chunks of any size, into Arrow IPC typed by the table's schema, a record batch at a time.
public struct ArrowFromCSV: Sendable {
    private var parser: CSVParser
    private var writer: ArrowWriter
    private var batch: TextBatch
    private var started = false
    /// Rows written so far.
    public private(set) var rowCount = 0

    /// A record batch ends after this many rows, or this many bytes of field text.
    static let batchRows = 65_536
    static let batchBytes = 8 << 20

    /// Arrow of `schema`'s columns from CSV without a header, NULL spelled `nullMarker`.
    public init(schema: Schema, nullMarker: NullMarker, format: ArrowWriter.Format, name: String? = nil) {
        parser = CSVParser(
            options: CSVOptions(header: .names(schema.names), nullMarker: nullMarker), file: name,
            expectedColumns: schema.fields.count)
        writer = ArrowWriter(schema: schema, format: format)
        batch = TextBatch(columnNames: schema.names, file: name)
    }

    /// Arrow bytes for `chunk`'s complete rows (the start of the output first); often empty
    /// while a record batch fills.
    public mutating func append(_ chunk: [UInt8]) throws(FrameError) -> [UInt8] {
        var output = start()
        var position = 0
        while position < chunk.count {
            position = try parser.parse(
                chunk, from: position, into: &batch, rowLimit: Self.batchRows, byteLimit: Self.batchBytes)
            if parser.filledBatch { output += try flush() }
        }
        return output
    }

    /// The last rows and the end of the output.
    public mutating func finish() throws(FrameError) -> [UInt8] {
        var output = start()
        try parser.finish(into: &batch)
        if batch.rowCount > 0 { output += try flush() }
        return output + writer.finish()
    }

    private mutating func start() -> [UInt8] {
        guard !started else { return [] }
        started = true
        return writer.start()
    }

    private mutating func flush() throws(FrameError) -> [UInt8] {
        let bytes = try writer.write(batch)
        rowCount += batch.rowCount
        batch.removeAll()
        return bytes
    }
}
