import Frames

extension LoadSource {
    /// Rows read lazily from `next` (a CSV or JSON Lines reader's `next()`): one batch is read each
    /// time the stager asks for one, so memory holds a batch or two, whatever the input's size.
    public static func reading(_ next: @escaping () throws -> TextBatch?) -> LoadSource {
        let source = BatchPuller(next)
        return .batches(AsyncThrowingStream(unfolding: { try source.pull() }))
    }

    /// A CSV file (`.gz` is read through gzip), header and delimiter as `options` say.
    public static func csv(path: String, options: CSVOptions = CSVOptions()) throws -> LoadSource {
        let reader: CSVReader
        if path.hasSuffix(".gz") {
            reader = try CSVReader(source: GzipByteSource(FileByteSource(path: path)), file: path, options: options)
        } else {
            reader = try CSVReader(path: path, options: options)
        }
        return reading { try reader.next() }
    }

    /// A JSON Lines file (`.gz` is read through gzip): keys become columns.
    public static func jsonLines(path: String) throws -> LoadSource {
        let source: any ByteSource = path.hasSuffix(".gz")
            ? try GzipByteSource(FileByteSource(path: path)) : try FileByteSource(path: path)
        let reader = JSONLinesReader(source: source, file: path)
        return reading { try reader.next() }
    }
}

/// Hands a reader's batches to the async stream one at a time. The stream calls `pull` from one
/// consumer, never concurrently, which is what makes sharing the non-Sendable reader sound.
final class BatchPuller: @unchecked Sendable {
    private let next: () throws -> TextBatch?

    init(_ next: @escaping () throws -> TextBatch?) {
        self.next = next
    }

    func pull() throws -> TextBatch? {
        try next()
    }
}
