import Frames

extension LoadSource {
    /// Rows read lazily from `next` (a CSV or JSON Lines reader's `next()`): one batch is read each
    /// time the stager asks for one, so memory holds a batch or two, whatever the input's size.
    public static func reading(_ next: @escaping () throws -> TextBatch?) -> LoadSource {
        let source = BatchPuller(next)
        return .batches(AsyncThrowingStream(unfolding: { try source.pull() }))
    }

    /// A CSV file (gunzipped when the name ends in `.gz`; `-` is stdin), header and delimiter as
    /// `options` say.
    public static func csv(path: String, options: CSVOptions = CSVOptions()) throws -> LoadSource {
        let reader = try CSVReader(path: path, options: options)
        return reading { try reader.next() }
    }

    /// A JSON Lines file (gunzipped when the name ends in `.gz`; `-` is stdin): keys become columns.
    public static func jsonLines(path: String) throws -> LoadSource {
        let reader = try JSONLinesReader(path: path)
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
