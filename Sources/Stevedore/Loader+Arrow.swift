import Blocking
import Foundation
import Frames
import Warehouse

extension Loader {
    /// Streams `table` (or one partition) to `sink` as Arrow IPC typed from the catalog, one record
    /// batch at a time as the rows arrive (memory holds one batch); returns the schema and the
    /// number of rows. See `ArrowWriter.arrowType` for each column's Arrow type. On PostgreSQL the
    /// rows come in the binary COPY format when every column's type has a decoder
    /// (`Options.binaryUnload`), as CSV otherwise; the values are the same either way.
    @discardableResult
    public func unloadArrow(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
        format: ArrowWriter.Format = .stream, to sink: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> (schema: Schema, rows: Int) {
        let transcoder = ArrowTranscoding(
            nullMarker: dialect.nullMarker, format: format, name: table.description, binary: options.binaryUnload)
        // The rows arrive while earlier ones are converted and written: a queue of a few COPY
        // chunks between the warehouse's output and the conversion, each in a task of its own.
        let chunks = BoundedQueue<[UInt8]>(capacity: 4)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while let chunk = try await chunks.next() {
                        let bytes = try await transcoder.convert(chunk)
                        if !bytes.isEmpty { try await sink(bytes) }
                    }
                    try await sink(try await transcoder.finish())
                } catch {
                    // The COPY's sends stop waiting, and fail with this error.
                    let failure = Self.conversionFailure(error, table: table, partition: partition)
                    await chunks.finish(throwing: failure)
                    throw failure
                }
            }
            let schema: Schema
            do {
                schema = try await export(
                    table, partition: partition, columns: columns, prepare: { await transcoder.start($0, types: $1) },
                    to: { try await chunks.send($0) })
            } catch {
                await chunks.finish(throwing: error)
                group.cancelAll()
                // The export's error, which names the step and table (and the conversion's error).
                try? await group.waitForAll()
                throw error
            }
            await chunks.finish()
            try await group.waitForAll()
            return (schema, await transcoder.rowCount)
        }
    }

    /// A value the Arrow writer cannot hold (PostgreSQL's `infinity` as a date, say) as an error
    /// naming the table; other errors (the sink's) as they are.
    private static func conversionFailure(_ error: any Error, table: TableRef, partition: PartitionSpec?) -> any Error {
        guard let frameError = error as? FrameError else { return error }
        if frameError.kind == .malformedCopy {
            // The server's binary COPY data, not the table's values, is what could not be read.
            return StevedoreError(
                code: .warehouse, step: .loadBack,
                message: "\(frameError): the server's binary COPY data could not be read "
                    + "(Loader.Options.binaryUnload = false reads it as CSV)",
                table: table.description, partition: partition?.label, underlying: frameError)
        }
        return StevedoreError(
            code: .input, step: .loadBack,
            message: "\(frameError): Arrow has no form for this value; unload as CSV or JSON Lines instead",
            table: table.description, partition: partition?.label, underlying: frameError)
    }

    /// `unloadArrow` to an open file (stdout, a pipe), each write on the blocking pool.
    @discardableResult
    public func unloadArrow(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil,
        format: ArrowWriter.Format = .stream, to handle: FileHandle
    ) async throws -> (schema: Schema, rows: Int) {
        try await unloadArrow(table, partition: partition, columns: columns, format: format) { bytes in
            try await BlockingPool.shared.run { try handle.write(contentsOf: bytes) }
        }
    }

    /// `unloadArrow` to the file at `path`: the file format (Feather v2) for `.arrow` and `.feather`
    /// names, the stream format otherwise.
    @discardableResult
    public func unloadArrow(
        _ table: TableRef, partition: PartitionSpec? = nil, columns: [String]? = nil, toFile path: String
    ) async throws -> (schema: Schema, rows: Int) {
        let opened = try await BlockingPool.shared.run {
            FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
        }
        guard let handle = opened else {
            throw StevedoreError(
                code: .invalidRequest, step: .loadBack, message: "cannot write \(path)", table: table.description)
        }
        defer { try? handle.close() }
        let format: ArrowWriter.Format = path.hasSuffix(".arrow") || path.hasSuffix(".feather") ? .file : .stream
        return try await unloadArrow(table, partition: partition, columns: columns, format: format, to: handle)
    }
}

/// The CSV-to-Arrow or binary-COPY-to-Arrow conversion of one unload, fed the export's chunks in
/// order.
private actor ArrowTranscoding {
    private enum Transcoder: Sendable {
        case csv(ArrowFromCSV)
        case binary(ArrowFromPostgresBinary)

        var rowCount: Int {
            switch self {
            case .csv(let csv): csv.rowCount
            case .binary(let binary): binary.rowCount
            }
        }
    }

    private let nullMarker: NullMarker
    private let format: ArrowWriter.Format
    private let name: String
    private let allowsBinary: Bool
    private var transcoder: Transcoder?

    init(nullMarker: NullMarker, format: ArrowWriter.Format, name: String, binary: Bool) {
        self.nullMarker = nullMarker
        self.format = format
        self.name = name
        allowsBinary = binary
    }

    var rowCount: Int { transcoder?.rowCount ?? 0 }

    /// Prepares for `schema`'s rows; true when they should come in the binary COPY format (the
    /// catalog `types` are given, and each has a decoder).
    func start(_ schema: Schema, types: [SQLType]?) -> Bool {
        if allowsBinary, let types, let fields = PostgresBinaryCopy.unloading(types),
            let binary = ArrowFromPostgresBinary(schema: schema, fields: fields, format: format, name: name)
        {
            transcoder = .binary(binary)
            return true
        }
        transcoder = .csv(ArrowFromCSV(schema: schema, nullMarker: nullMarker, format: format, name: name))
        return false
    }

    func convert(_ chunk: [UInt8]) throws -> [UInt8] {
        // Moved out while it works, so that its buffers are not copied on write.
        switch transcoder.take() {
        case .csv(var working):
            defer { transcoder = .csv(working) }
            return try working.append(chunk)
        case .binary(var working):
            defer { transcoder = .binary(working) }
            return try working.append(chunk)
        case nil: return []
        }
    }

    func finish() throws -> [UInt8] {
        switch transcoder.take() {
        case .csv(var working):
            defer { transcoder = .csv(working) }
            return try working.finish()
        case .binary(var working):
            defer { transcoder = .binary(working) }
            return try working.finish()
        case nil: return []
        }
    }
}
