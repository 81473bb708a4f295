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
    /// `options` say. It is opened and its header read now, on `pool`, so a file that cannot be read
    /// fails here, before the load connects; its rows are read on `pool` as the load asks.
    public static func csv(path: String, options: CSVOptions = CSVOptions(), pool: BlockingPool = .shared)
        async throws -> LoadSource
    {
        try await opened(on: pool) {
            let reader = try CSVReader(path: path, options: options)
            return { try reader.next() }
        }
    }

    /// A JSON Lines file (gunzipped when the name ends in `.gz`; `-` is stdin): keys become columns.
    /// Opened now and read as the load asks, on `pool`, as `csv(path:)`.
    public static func jsonLines(path: String, pool: BlockingPool = .shared) async throws -> LoadSource {
        try await opened(on: pool) {
            let reader = try JSONLinesReader(path: path)
            return { try reader.next() }
        }
    }

    /// An Arrow IPC stream or file (`-` is stdin), its types declared by its schema. Opened and its
    /// schema read now, its record batches read as the load asks, on `pool`, as `csv(path:)`.
    public static func arrow(
        path: String, options: ArrowReader.Options = ArrowReader.Options(), pool: BlockingPool = .shared
    )
        async throws -> LoadSource
    {
        try await opened(on: pool) {
            let reader = try ArrowReader(path: path, options: options)
            return { try reader.next() }
        }
    }

    /// Arrow IPC bytes from `source` (a stream or a file's bytes), read on `pool` as the load asks.
    public static func arrow(
        _ source: @escaping @Sendable () throws -> any ByteSource, name: String? = nil,
        options: ArrowReader.Options = ArrowReader.Options(), pool: BlockingPool = .shared
    ) -> LoadSource {
        reading(
            pool: pool,
            open: {
                let reader = try ArrowReader(source: try source(), name: name, options: options)
                return { try reader.next() }
            })
    }

    /// An Arrow IPC stream arriving as chunks of bytes (a socket, a subprocess, a pipeline's own
    /// writer): a task feeds them through a `ByteChannel` of four chunks to the reader on `pool`,
    /// so memory holds a few chunks and one record batch.
    public static func arrow<Chunks: AsyncSequence & Sendable>(
        chunks: Chunks, name: String? = nil, options: ArrowReader.Options = ArrowReader.Options(),
        pool: BlockingPool = .shared
    ) -> LoadSource where Chunks.Element == [UInt8] {
        let channel = ByteChannel()
        let feeder = Task {
            do {
                for try await chunk in chunks where !chunk.isEmpty { try await channel.send(chunk) }
                channel.finish()
            } catch {
                channel.finish(throwing: error)
            }
        }
        return reading(
            pool: pool,
            open: {
                let reader = try ArrowReader(source: channel, name: name, options: options)
                return { try reader.next() }
            },
            interrupt: {
                feeder.cancel()
                channel.closeReader()
            },
            cleanup: { feeder.cancel() })
    }

    /// Runs `open` on `pool` now and hands its reader to `reading`.
    private static func opened(
        on pool: BlockingPool, _ open: @escaping @Sendable () throws -> () throws -> TextBatch?
    ) async throws -> LoadSource {
        // The reader is made on the pool and handed back in a box (it is not Sendable).
        let next = try await pool.run { LockedBox(try open()) }.withLock { $0 }
        return reading(pool: pool, open: { next })
    }
}

/// Lets the reader go when the load's stream lets go of it.
private final class ReaderHandle: Sendable {
    let reader: BlockingReader
    init(_ reader: BlockingReader) { self.reader = reader }
    deinit { reader.close() }
}
