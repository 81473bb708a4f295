/// Frames from and to Arrow IPC bytes.
extension Frame {
    /// The rows of an Arrow stream or file, typed by its schema (a Null column as text).
    public init(arrow bytes: [UInt8], name: String? = nil) throws {
        let reader = try ArrowReader(source: MemoryByteSource(bytes), name: name)
        let schema = reader.schema
        var frame = try Frame(schema: schema)
        while let batch = try reader.next() {
            try frame.append(contentsOf: Frame(batch, schema: schema))
        }
        self = frame
    }

    /// The frame as Arrow IPC, in record batches of at most 65,536 rows, in the stream or the file
    /// format.
    public func arrowBytes(format: ArrowWriter.Format = .stream) -> [UInt8] {
        var writer = ArrowWriter(schema: schema, format: format)
        var bytes = writer.start()
        for batch in batches(maxRows: 65_536) { bytes += writer.write(batch) }
        return bytes + writer.finish()
    }
}
