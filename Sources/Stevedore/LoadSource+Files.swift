import Blocking
import Foundation
import Frames

extension LoadSource {
    /// Rows from a blocking reader: `open` makes it and returns its `next()`, both run on `pool`
    /// when the stager asks for a batch, one batch at a time, so memory holds a batch or two
    /// whatever the input's size. `interrupt` unblocks a read when the load is cancelled or lets go;
    /// `cleanup` runs once when reading ends (see `BlockingReader`).
    public static func reading(
        pool: BlockingPool = .shared, open: @escaping () throws -> () throws -> TextBatch?,
        interrupt: @escaping @Sendable () -> Void = {},
        cleanup: @escaping @Sendable () -> Void = {}
    ) -> LoadSource {
        let handle = ReaderHandle(BlockingReader(pool: pool, open: open, interrupt: interrupt, cleanup: cleanup))
        return .batches(AsyncThrowingStream(unfolding: { try await handle.reader.next() }))
    }

    /// Rows read lazily from `next` (a CSV or JSON Lines reader's `next()`), on the blocking pool.
    public static func reading(_ next: @escaping () throws -> TextBatch?) -> LoadSource {
        reading(open: { next })
    }

    /// A CSV file (gunzipped when the name ends in `.gz`; `-` is stdin), header and delimiter as
    /// `options` say. A file that cannot be opened is an error here; the header and rows are read
    /// on the blocking pool.
    public static func csv(path: String, options: CSVOptions = CSVOptions()) throws -> LoadSource {
        let open = {
            let reader = try CSVReader(path: path, options: options)
            return { try reader.next() }
        }
        try failFastIfUnreadable(path, open)
        return reading(open: open)
    }

    /// A JSON Lines file (gunzipped when the name ends in `.gz`; `-` is stdin): keys become columns.
    public static func jsonLines(path: String) throws -> LoadSource {
        let open = {
            let reader = try JSONLinesReader(path: path)
            return { try reader.next() }
        }
        try failFastIfUnreadable(path, open)
        return reading(open: open)
    }

    /// Opens `path` here only when it cannot be read, so the reader's own error names it now; a
    /// readable path (a FIFO's open may block) is opened on the pool.
    private static func failFastIfUnreadable(_ path: String, _ open: () throws -> () throws -> TextBatch?) throws {
        guard path != "-", access(path, R_OK) != 0 else { return }
        _ = try open()
    }
}

/// Lets the reader go when the load's stream lets go of it.
private final class ReaderHandle: Sendable {
    let reader: BlockingReader
    init(_ reader: BlockingReader) { self.reader = reader }
    deinit { reader.close() }
}
