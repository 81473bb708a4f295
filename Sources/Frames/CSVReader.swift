import Foundation

/// Reads CSV (RFC 4180: quoted fields with delimiters, quotes and newlines; LF, CRLF or CR line ends;
/// a leading UTF-8 BOM; the dialect and encoding of `CSVOptions`) in batches of bounded size, so
/// memory stays flat however long the input. An unquoted empty field is NULL, a quoted `""` the
/// empty string. Errors name file, line, column.
public final class CSVReader {
    /// The input's name in errors.
    public let file: String?
    /// The column names, from the header row or the options.
    public private(set) var columnNames: [String] = []
    private var returnedBatch = false
    private let options: CSVOptions
    private let source: any ByteSource
    private var parser: CSVParser
    private var chunk: [UInt8] = []
    private var position = 0
    private var sourceEnded = false
    private var finished = false
    private var startedInput = false
    private var lastBatchSize = (bytes: 0, fields: 0, rows: 0)

    /// Reads `source`; with `.firstRow` the header is read (and checked) here.
    public init(source: any ByteSource, file: String? = nil, options: CSVOptions = CSVOptions()) throws {
        if let (setting, problem) = options.invalidSetting {
            throw FrameError(kind: .invalidOptions, file: file, message: "the CSV \(setting.rawValue) \(problem)")
        }
        self.source =
            options.encoding == .utf8
            ? source
            : try TranscodingByteSource(
                source, encoding: options.encoding, file: file)
        self.file = file
        self.options = options
        switch options.header {
        case .names(let names):
            let named = try options.naming.apply(names, file: file, line: nil)
            try Schema.checkNames(named, file: file, line: nil)
            columnNames = named
            parser = CSVParser(options: options, file: file, expectedColumns: names.count)
        case .firstRow:
            parser = CSVParser(options: options, file: file, expectedColumns: nil)
            try readHeader()
        }
    }

    /// Reads the file at `path` (gunzipping it when the name ends in `.gz`), or stdin for `-`.
    public convenience init(path: String, options: CSVOptions = CSVOptions()) throws {
        let raw: any ByteSource =
            path == "-"
            ? FileByteSource(handle: FileHandle.standardInput)
            : try FileByteSource(path: path, chunkSize: path.hasSuffix(".gz") ? 256 << 10 : 1 << 20)
        let source: any ByteSource = path.hasSuffix(".gz") ? try GzipByteSource(raw) : raw
        try self.init(source: source, file: path, options: options)
    }

    /// The next batch of rows, or nil when the input has ended. A header without rows gives one
    /// batch of no rows, so the columns are known.
    public func next() throws -> TextBatch? {
        var batch = TextBatch(columnNames: columnNames, file: file)
        // Sized from the previous batch, so that the buffers do not grow (and copy) while filling.
        batch.reserveCapacity(bytes: lastBatchSize.bytes, fields: lastBatchSize.fields, rows: lastBatchSize.rows)
        try fill(&batch, rowLimit: options.batchRows)
        lastBatchSize = (
            batch.bytes.count + batch.bytes.count / 8, batch.fields.count + batch.fields.count / 8,
            batch.rowCount + batch.rowCount / 8
        )
        // A file with a header and no rows still names its columns: one empty batch says them.
        let namesOnly = batch.rowCount == 0 && !returnedBatch && !columnNames.isEmpty
        returnedBatch = true
        return batch.rowCount > 0 || namesOnly ? batch : nil
    }

    /// Every remaining row typed by `schema` (see `Frame.init(_:schema:)`), as one frame.
    public func readFrame(schema: Schema) throws -> Frame {
        var frame = try Frame(schema: schema)
        while let batch = try next() {
            try frame.append(contentsOf: Frame(batch, schema: schema))
        }
        return frame
    }

    private func readHeader() throws {
        var header = TextBatch(columnNames: [], file: file)
        try fill(&header, rowLimit: 1)
        // An empty file is far more often a failed extract than a table meant to be emptied, which
        // a header without rows still says.
        guard header.rowCount == 1 else {
            throw FrameError(
                kind: .emptyInput, file: file, line: 1,
                message: "the input is empty, without even a header row (a header alone loads no rows)")
        }
        let names = try options.naming.apply(
            header.fields.map { String(decoding: header.bytes[$0.range], as: UTF8.self) }, file: file, line: 1)
        try Schema.checkNames(names, file: file, line: 1)
        columnNames = names
        parser.expectedColumns = names.count
    }

    /// Parses until `batch` is full or the input ends.
    private func fill(_ batch: inout TextBatch, rowLimit: Int) throws {
        while !finished {
            if position < chunk.count {
                position = try parser.parse(
                    chunk, from: position, into: &batch,
                    rowLimit: rowLimit, byteLimit: options.batchBytes)
                // The parser stops only at the end of the chunk or just after a row that filled the batch.
                if parser.filledBatch { return }
                continue
            }
            if sourceEnded {
                try parser.finish(into: &batch)
                finished = true
                return
            }
            try readChunk()
        }
    }

    private func readChunk() throws {
        chunk = try source.read(naming: file)
        position = 0
        if chunk.isEmpty {
            sourceEnded = true
            return
        }
        if !startedInput {
            // A UTF-8 byte order mark may open the input; it might arrive split over tiny chunks.
            while chunk.count < 3 {
                let more = try source.read(naming: file)
                if more.isEmpty {
                    sourceEnded = true
                    break
                }
                chunk += more
            }
            startedInput = true
            if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
    }
}
