import Foundation

/// Reads an Arrow IPC stream or file (Feather v2), record batch by record batch, into text batches
/// that carry the schema's types: a load stages them without inferring anything. Uncompressed
/// bodies only. Every fault of the input is a `FrameError` naming the batch, column and byte.
public final class ArrowReader {
    /// How to read.
    public struct Options: Sendable, Hashable {
        /// Types the caller fixes for some columns (`--type`): a nanosecond timestamp pinned to
        /// text keeps every digit; every other pin is checked by the load as for CSV.
        public var pinnedTypes: [String: ColumnType]
        /// A text batch ends after this many rows, or once its bytes reach `batchBytes`.
        public var batchRows: Int
        public var batchBytes: Int

        public init(pinnedTypes: [String: ColumnType] = [:], batchRows: Int = 4_096, batchBytes: Int = 256 << 10) {
            self.pinnedTypes = pinnedTypes
            self.batchRows = max(1, batchRows)
            self.batchBytes = max(1, batchBytes)
        }
    }

    /// The schema's fields, as the input declares them.
    public let fields: [ArrowField]
    /// The column types the fields' types map to (nil for a Null column, whose type the table decides).
    public let declaredTypes: [ColumnType?]
    private let messages: Messages
    private let name: String?
    private let options: Options
    private var text: ArrowText
    private var current: [ArrowArray] = []
    private var currentRows = 0
    private var nextRow = 0
    /// Rows before the current batch, to number rows across the input.
    private var rowsBefore = 0
    private var batchNumber = 0
    private var returnedBatch = false

    /// Where the messages come from: read in order, or through a file's footer.
    private enum Messages {
        case sequential(ArrowMessageInput)
        case file(ArrowFileBlocks)

        func next() throws -> ArrowMessageInput.Message? {
            switch self {
            case .sequential(let input): try input.next()
            case .file(let blocks): try blocks.next()
            }
        }
    }

    /// Reads `source` up to its schema (the first message): a stream, or a file read in order.
    public convenience init(source: any ByteSource, name: String?, options: Options = Options()) throws {
        let input = ArrowMessageInput(source, name: name)
        let read: ArrowMessageInput.Message?
        do {
            read = try input.next()
        } catch let error as FrameError where input.isFile && error.kind == .malformedArrow {
            var explained = error
            explained.message +=
                " (an Arrow file read in order, from a pipe: some writers, Polars among them, make files only "
                + "their footer describes; give the file's path, or write the stream format)"
            throw explained
        }
        guard let first = read else {
            throw FrameError(kind: .emptyInput, file: name, message: "the Arrow input holds no schema")
        }
        guard case .schema(let fields) = first.message else {
            throw input.error(at: first.offset, "an Arrow input must begin with its schema")
        }
        try self.init(fields: fields, messages: .sequential(input), name: name, options: options)
    }

    /// The file at `path` (`-` for stdin): a file in the file format is read through its footer,
    /// anything else in order.
    public convenience init(path: String, options: Options = Options()) throws {
        if path == "-" {
            try self.init(source: FileByteSource(handle: FileHandle.standardInput), name: path, options: options)
            return
        }
        let source = try FileByteSource(path: path)
        if let handle = FileHandle(forReadingAtPath: path),
            (try? handle.read(upToCount: 6)).map({ Array($0) == ArrowMessageInput.fileMagic }) == true,
            let blocks = try ArrowFileBlocks(handle: handle, name: path)
        {
            try self.init(fields: blocks.fields, messages: .file(blocks), name: path, options: options)
            return
        }
        try self.init(source: source, name: path, options: options)
    }

    private init(fields: [ArrowField], messages: Messages, name: String?, options: Options) throws {
        self.messages = messages
        self.name = name
        self.options = options
        try Schema.checkNames(fields.map(\.name), file: name, line: nil)
        for field in fields {
            if case .unsupported(let type) = ArrowReader.innermost(field) {
                throw FrameError(
                    kind: .unsupportedArrow, file: name, columnName: field.name,
                    message: "Arrow type \(type) is not one Stevedore reads")
            }
        }
        self.fields = fields
        declaredTypes = fields.map { $0.columnType }
        text = ArrowText(
            binaryPrefix: Value.binaryPrefix,
            keepsNanoseconds: Set(fields.indices.filter { options.pinnedTypes[fields[$0].name] == .text }))
    }

    public var columnNames: [String] { fields.map(\.name) }

    /// The frame schema the input declares (a Null column as nullable text).
    public var schema: Schema {
        Schema(
            zip(fields, declaredTypes).map {
                Schema.Field(name: $0.name, type: $1 ?? .text, isNullable: $0.isNullable || $1 == nil)
            })
    }

    /// The next rows, or nil at the end of the input.
    public func next() throws -> TextBatch? {
        while nextRow >= currentRows {
            guard try readBatch() else {
                // An input of no rows still names and types its columns: one empty batch says them.
                guard !returnedBatch else { return nil }
                returnedBatch = true
                var empty = TextBatch(columnNames: columnNames, file: name)
                empty.declaredTypes = declaredTypes
                return empty
            }
        }
        returnedBatch = true
        var batch = TextBatch(columnNames: columnNames, file: name)
        batch.declaredTypes = declaredTypes
        let end = min(currentRows, nextRow + options.batchRows)
        batch.reserveCapacity(bytes: 0, fields: (end - nextRow) * fields.count, rows: end - nextRow)
        var row = nextRow
        // Locals for the loop: no property access (and no exclusivity check) per value, and the
        // arrays unretained (`current` holds them): a reference count per value was a fifth of this.
        let arrays = current.map { Unmanaged.passUnretained($0) }
        let writer = text
        let limit = options.batchBytes
        while row < end && batch.byteCount < limit {
            for column in arrays.indices {
                let unwritable: ArrowText.Unwritable? = arrays[column]._withUnsafeGuaranteedRef { array in
                    let start = batch.bytes.count
                    do throws(ArrowText.Unwritable) {
                        if case .dictionary = array.kind {
                            // A dictionary's own NULLs are NULL too, not empty text.
                            guard let found = try writer.value(array, row) else {
                                batch.appendField(nil)
                                return nil
                            }
                            try writer.append(found.array, found.row, to: &batch.bytes, column: column)
                        } else {
                            guard array.isValid(row) else {
                                batch.appendField(nil)
                                return nil
                            }
                            try writer.append(array, row, to: &batch.bytes, column: column)
                        }
                    } catch {
                        return error
                    }
                    batch.fields.append(FieldSpan(start: start, end: batch.bytes.count, isNull: false))
                    return nil
                }
                if let unwritable {
                    let name = fields[column].name
                    let hint =
                        unwritable.textPinKeepsIt
                        ? " (pin the column to text to keep every digit: --type \(name)=text)" : ""
                    throw FrameError(
                        kind: .valueDoesNotFit(declaredTypes[column] ?? .text), file: self.name, columnName: name,
                        batch: batchNumber, message: "row \(rowsBefore + row + 1): \(unwritable.message)\(hint)")
                }
            }
            batch.endRow(line: rowsBefore + row + 1)
            row += 1
        }
        nextRow = row
        return batch
    }

    /// Reads messages up to the next record batch (keeping dictionaries); false at the end.
    private func readBatch() throws -> Bool {
        rowsBefore += currentRows
        current = []
        currentRows = 0
        nextRow = 0
        while let message = try messages.next() {
            switch message.message {
            case .schema:
                throw FrameError(
                    kind: .malformedArrow, file: name, byteOffset: message.offset,
                    message: "a second schema in the input")
            case .other:
                continue
            case .dictionaryBatch(let id, let isDelta, let header):
                try readDictionary(id: id, isDelta: isDelta, header, body: message.body, offset: message.offset)
            case .recordBatch(let header):
                batchNumber += 1
                try refuseCompression(header, offset: message.offset)
                do {
                    var builder = ArrowArrayBuilder(header: header, body: message.body)
                    current = try builder.arrays(fields)
                } catch {
                    throw FrameError(
                        kind: .malformedArrow, file: name, columnName: error.field, batch: batchNumber,
                        byteOffset: message.offset, message: error.message)
                }
                currentRows = Int(header.length)
                return true
            }
        }
        return false
    }

    private func readDictionary(
        id: Int64, isDelta: Bool, _ header: ArrowMessage.RecordBatchHeader, body: [UInt8], offset: Int
    )
        throws
    {
        try refuseCompression(header, offset: offset)
        guard let field = ArrowReader.dictionaryField(id, in: fields) else {
            throw FrameError(
                kind: .malformedArrow, file: name, byteOffset: offset,
                message: "a dictionary batch for id \(id), which no field uses")
        }
        let values: ArrowArray
        do {
            var builder = ArrowArrayBuilder(header: header, body: body)
            var plain = field
            plain.dictionary = nil
            plain.name = "dictionary \(id) of \(field.name)"
            guard let array = try builder.arrays([plain]).first else { return }
            values = array
        } catch {
            throw FrameError(
                kind: .malformedArrow, file: name, columnName: field.name, byteOffset: offset,
                message: error.message)
        }
        if isDelta, var existing = text.dictionaries[id] {
            existing.append(values)
            text.dictionaries[id] = existing
        } else {
            text.dictionaries[id] = ArrowDictionary(values)
        }
    }

    private func refuseCompression(_ header: ArrowMessage.RecordBatchHeader, offset: Int) throws {
        guard let codec = header.compression else { return }
        throw FrameError(
            kind: .unsupportedArrow, file: name, byteOffset: offset,
            message: "the Arrow input is compressed with \(codec), which Stevedore does not read; write it "
                + "uncompressed: pyarrow `compression=None` (feather.write_feather(…, compression=\"uncompressed\")), "
                + "Polars `write_ipc(…, compression=\"uncompressed\")`")
    }

    /// The field (at any depth) whose values dictionary `id` holds.
    static func dictionaryField(_ id: Int64, in fields: [ArrowField]) -> ArrowField? {
        for field in fields {
            if field.dictionary?.id == id { return field }
            if let found = dictionaryField(id, in: field.children) { return found }
        }
        return nil
    }

    /// The first unsupported type in a field's tree, or the field's own type.
    static func innermost(_ field: ArrowField) -> ArrowType {
        if case .unsupported = field.type { return field.type }
        for child in field.children {
            if case .unsupported(let name) = innermost(child) { return .unsupported(name) }
        }
        return field.type
    }
}

extension ArrowField {
    /// The column type this field's values load as; nil for the Null type (the table decides).
    public var columnType: ColumnType? {
        switch type {
        case .null: return nil
        case .int(let bits, let signed):
            switch (bits, signed) {
            case (8, _), (16, true): return .smallint
            case (16, false), (32, true): return .integer
            case (32, false), (64, true): return .bigint
            default: return .decimal(precision: 20, scale: 0)
            }
        case .floatingPoint(let bits): return bits == 64 ? .double : .real
        case .bool: return .boolean
        case .decimal(let precision, let scale, _):
            // A negative scale counts zeros before the point.
            let (digits, places) = scale < 0 ? (precision - scale, 0) : (precision, scale)
            return digits <= ColumnType.maximumDecimalPrecision && places <= digits
                ? .decimal(precision: max(1, digits), scale: places) : .numeric
        case .date: return .date
        case .time: return .time
        case .timestamp(_, let zone): return zone == nil ? .timestamp : .timestamptz
        case .duration: return .interval
        case .utf8, .largeUTF8, .utf8View: return .text
        case .binary, .largeBinary, .binaryView, .fixedSizeBinary: return .binary
        case .list, .largeList, .fixedSizeList, .structure, .map: return .json
        case .unsupported: return .text
        }
    }
}
