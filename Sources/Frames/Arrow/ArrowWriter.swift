/// Writes rows as Arrow IPC, in the stream format or the file format (Feather v2), one record
/// batch per call: the bytes to write out are returned, so memory holds one batch.
public struct ArrowWriter: Sendable {
    public enum Format: Sendable, Hashable {
        /// `.arrows`: schema, batches, end-of-stream marker.
        case stream
        /// `.arrow` / Feather v2: the stream between magic numbers, with a footer indexing it.
        case file
    }

    public let schema: Schema
    public let format: Format
    /// The Arrow type each column is written as.
    public let fields: [ArrowField]
    private var written = 0
    private var blocks: [Block] = []
    private var schemaNode: FlatBufferWriter.Node

    private struct Block {
        var offset: Int
        var metadataLength: Int
        var bodyLength: Int
    }

    /// A writer of `schema`'s columns. A decimal no decimal128 holds (precision above 38, a negative
    /// scale, as PostgreSQL 15 allows) is written as its text, as an unconstrained numeric is.
    public init(schema: Schema, format: Format) {
        self.schema = Schema(
            schema.fields.map { field in
                guard case .decimal(let precision, let scale) = field.type,
                    precision > ColumnType.maximumDecimalPrecision || scale < 0 || scale > precision
                else { return field }
                var text = field
                text.type = .numeric
                return text
            })
        self.format = format
        fields = self.schema.fields.map {
            ArrowField(name: $0.name, type: ArrowWriter.arrowType($0.type), isNullable: $0.isNullable)
        }
        schemaNode = ArrowWriter.schemaTable(fields)
    }

    /// The Arrow type a column type is written as: the type it loads from, at microseconds; an
    /// unconstrained numeric (whose scale varies by value) and JSON as their text.
    public static func arrowType(_ type: ColumnType) -> ArrowType {
        switch type {
        case .boolean: .bool
        case .smallint: .int(bitWidth: 16, signed: true)
        case .integer: .int(bitWidth: 32, signed: true)
        case .bigint: .int(bitWidth: 64, signed: true)
        case .decimal(let precision, let scale): .decimal(precision: precision, scale: scale, bitWidth: 128)
        case .numeric, .text, .json: .utf8
        case .real: .floatingPoint(bitWidth: 32)
        case .double: .floatingPoint(bitWidth: 64)
        case .date: .date(bitWidth: 32)
        case .timestamp: .timestamp(.microsecond, timeZone: nil)
        case .timestamptz: .timestamp(.microsecond, timeZone: "UTC")
        case .time: .time(.microsecond, bitWidth: 64)
        case .interval: .duration(.microsecond)
        case .binary: .binary
        }
    }

    /// The bytes that begin the output: the file's magic, then the schema message.
    public mutating func start() -> [UInt8] {
        var output: [UInt8] = []
        if format == .file { output = Array("ARROW1".utf8) + [0, 0] }
        output += message(header: 1, schemaNode, bodyLength: 0)
        written += output.count
        return output
    }

    /// One record batch of `batch`'s rows, each field's text (as PostgreSQL's COPY writes it) read
    /// as its column's type.
    public mutating func write(_ batch: TextBatch) throws(FrameError) -> [UInt8] {
        let width = batch.columnCount
        var columns: [ArrowColumnBuilder] = []
        // Column by column: each builder's buffers stay hot, and the batch's bytes are read
        // through one pointer (a hot loop over a batch's bytes, as the CSV encoder's).
        try batch.bytes.withUnsafeBufferPointer { (bytes) throws(FrameError) in
            try batch.fields.withUnsafeBufferPointer { (spans) throws(FrameError) in
                for (column, field) in schema.fields.enumerated() {
                    var builder = ArrowColumnBuilder(type: field.type, rows: batch.rowCount)
                    var index = column
                    for row in 0..<batch.rowCount {
                        let span = spans[index]
                        index += width
                        if span.isNull {
                            builder.appendNull()
                            continue
                        }
                        let text = UnsafeBufferPointer(rebasing: bytes[span.range])
                        guard builder.append(text: text) else {
                            throw FrameError(
                                kind: .valueDoesNotFit(field.type), file: batch.file, line: batch.line(ofRow: row),
                                column: column + 1, columnName: field.name,
                                value: String(decoding: text, as: UTF8.self),
                                message: "value is not a \(field.type)")
                        }
                    }
                    columns.append(builder)
                }
            }
        }
        return recordBatch(columns, rows: batch.rowCount)
    }

    /// One record batch of `frame`'s rows (whose columns must be the schema's).
    public mutating func write(_ frame: Frame) -> [UInt8] {
        var columns = schema.fields.map { ArrowColumnBuilder(type: $0.type, rows: frame.rowCount) }
        for (index, column) in frame.columns.enumerated() {
            for value in column.values { columns[index].append(value) }
        }
        return recordBatch(columns, rows: frame.rowCount)
    }

    /// One record batch of columns already filled with typed values (one builder per schema
    /// field, each holding `rows` values): a binary COPY's rows.
    mutating func write(_ columns: [ArrowColumnBuilder], rows: Int) -> [UInt8] {
        recordBatch(columns, rows: rows)
    }

    /// The bytes that end the output: the end-of-stream marker, and for a file its footer.
    public mutating func finish() -> [UInt8] {
        var output: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        if format == .file {
            var entries: [UInt8] = []
            for block in blocks {
                append(Int64(block.offset), to: &entries)
                append(Int32(block.metadataLength), to: &entries)
                append(Int32(0), to: &entries)
                append(Int64(block.bodyLength), to: &entries)
            }
            let footer = FlatBufferWriter.serialize(
                .table([
                    .int16(4), .reference(schemaNode),
                    .reference(.structs(elementSize: 24, alignment: 8, bytes: [])),
                    .reference(.structs(elementSize: 24, alignment: 8, bytes: entries)),
                ]))
            output += footer
            append(Int32(footer.count), to: &output)
            output += Array("ARROW1".utf8)
        }
        written += output.count
        return output
    }

    private mutating func recordBatch(_ columns: [ArrowColumnBuilder], rows: Int) -> [UInt8] {
        var body: [UInt8] = []
        var nodes: [UInt8] = []
        var buffers: [UInt8] = []
        for column in columns {
            append(Int64(rows), to: &nodes)
            append(Int64(column.nullCount), to: &nodes)
            for buffer in column.buffers {
                append(Int64(body.count), to: &buffers)
                append(Int64(buffer.count), to: &buffers)
                body += buffer
                while body.count % 8 != 0 { body.append(0) }
            }
        }
        let header = FlatBufferWriter.Node.table([
            .int64(Int64(rows)),
            .reference(.structs(elementSize: 16, alignment: 8, bytes: nodes)),
            .reference(.structs(elementSize: 16, alignment: 8, bytes: buffers)),
        ])
        var output = message(header: 3, header, bodyLength: body.count)
        blocks.append(Block(offset: written, metadataLength: output.count, bodyLength: body.count))
        output += body
        written += output.count
        return output
    }

    /// An encapsulated message's continuation marker, length and metadata (its body follows).
    private func message(header type: UInt8, _ header: FlatBufferWriter.Node, bodyLength: Int) -> [UInt8] {
        let metadata = FlatBufferWriter.serialize(
            .table([.int16(4), .uint8(type), .reference(header), .int64(Int64(bodyLength))]))
        var output: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        append(Int32(metadata.count), to: &output)
        return output + metadata
    }

    private func append<Value: FixedWidthInteger>(_ value: Value, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }

    private static func schemaTable(_ fields: [ArrowField]) -> FlatBufferWriter.Node {
        .table([.int16(0), .reference(.tables(fields.map(fieldTable)))])
    }

    private static func fieldTable(_ field: ArrowField) -> FlatBufferWriter.Node {
        let (id, type) = typeTable(field.type)
        return .table([
            .reference(.string(field.name)), .bool(field.isNullable), .uint8(id), .reference(type), nil,
            .reference(.tables([])),
        ])
    }

    /// The Type union's member id and table for the types `arrowType` writes.
    private static func typeTable(_ type: ArrowType) -> (UInt8, FlatBufferWriter.Node) {
        switch type {
        case .int(let bits, let signed): return (2, .table([.int32(Int32(bits)), .bool(signed)]))
        case .floatingPoint(let bits): return (3, .table([.int16(bits == 64 ? 2 : bits == 32 ? 1 : 0)]))
        case .binary: return (4, .table([]))
        case .bool: return (6, .table([]))
        case .decimal(let precision, let scale, let bits):
            return (7, .table([.int32(Int32(precision)), .int32(Int32(scale)), .int32(Int32(bits))]))
        case .date(let bits): return (8, .table([.int16(bits == 32 ? 0 : 1)]))
        case .time(let unit, let bits): return (9, .table([.int16(unit.rawValue), .int32(Int32(bits))]))
        case .timestamp(let unit, let zone):
            return (10, .table([.int16(unit.rawValue), zone.map { .reference(.string($0)) }]))
        case .duration(let unit): return (18, .table([.int16(unit.rawValue)]))
        default: return (5, .table([]))
        }
    }
}

/// One column of a record batch being written: its validity bitmap and value buffers.
struct ArrowColumnBuilder {
    let type: ColumnType
    private(set) var nullCount = 0
    private var count = 0
    private var validity: [UInt8] = []
    private var values: [UInt8] = []
    /// Offsets into `data` (variable-length types).
    private var offsets: [UInt8] = []
    private var data: [UInt8] = []

    init(type: ColumnType, rows: Int) {
        self.type = type
        validity.reserveCapacity((rows + 7) / 8)
        if ArrowColumnBuilder.isVariableLength(type) {
            offsets.reserveCapacity((rows + 1) * 4)
            appendLittleEndian(Int32(0), to: &offsets)
        } else {
            values.reserveCapacity(type == .boolean ? (rows + 7) / 8 : rows * ArrowColumnBuilder.width(type))
        }
    }

    static func isVariableLength(_ type: ColumnType) -> Bool {
        switch type {
        case .numeric, .text, .json, .binary: true
        default: false
        }
    }

    /// The validity bitmap, then the values (or offsets and data).
    var buffers: [[UInt8]] {
        let bitmap = nullCount == 0 ? [] : validity
        return ArrowColumnBuilder.isVariableLength(type) ? [bitmap, offsets, data] : [bitmap, values]
    }

    mutating func appendNull() {
        setValid(false)
        nullCount += 1
        switch type {
        case .boolean: setBit(false)
        case .numeric, .text, .json, .binary: appendLittleEndian(Int32(data.count), to: &offsets)
        default: values.append(contentsOf: repeatElement(0, count: ArrowColumnBuilder.width(type)))
        }
        count += 1
    }

    /// Appends a field's text as PostgreSQL writes it; false when it is not a value of the type.
    /// The common types are read straight into their buffers, without a `Value` between.
    mutating func append(text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch type {
        case .text, .json, .numeric:
            setValid(true)
            data.append(contentsOf: text)
            appendLittleEndian(Int32(data.count), to: &offsets)
        case .smallint, .integer, .bigint:
            guard let value = Self.integer(text), type.integerRange?.contains(value) == true else { return false }
            setValid(true)
            switch type {
            case .smallint: appendLittleEndian(Int16(value), to: &values)
            case .integer: appendLittleEndian(Int32(value), to: &values)
            default: appendLittleEndian(value, to: &values)
            }
        case .boolean where text.count == 1:
            guard text.first == UInt8(ascii: "t") || text.first == UInt8(ascii: "f") else { return false }
            setValid(true)
            setBit(text.first == UInt8(ascii: "t"))
        case .double, .real:
            guard let value = Value.parseFiniteNumber(text) ?? Value.parseDouble(text) else { return false }
            setValid(true)
            if type == .real {
                appendLittleEndian(Float(value).bitPattern, to: &values)
            } else {
                appendLittleEndian(value.bitPattern, to: &values)
            }
        case .decimal(_, let scale):
            guard let value = Self.scaledInteger(text, scale: scale) else { return false }
            setValid(true)
            appendLittleEndian(UInt64(truncatingIfNeeded: value), to: &values)
            appendLittleEndian(UInt64(truncatingIfNeeded: value >> 64), to: &values)
        case .date, .timestamp, .timestamptz:
            guard let parsed = ISODateTime.parse(text), (parsed.kind == .date) == (type == .date),
                parsed.kind != .timestamptz || type == .timestamptz
            else { return false }
            setValid(true)
            if type == .date {
                appendLittleEndian(Int32(parsed.days), to: &values)
            } else {
                appendLittleEndian(parsed.microsecondsSinceEpoch, to: &values)
            }
        default:
            guard let value = Value.parse(Array(text)[...], as: type) else { return false }
            append(value)
            return true
        }
        count += 1
        return true
    }

    /// An integer in plain digits with an optional minus sign, as PostgreSQL prints one.
    @inline(__always)
    static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = text.startIndex
        let negative = index < text.endIndex && text[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < text.endIndex, text.endIndex - index <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while index < text.endIndex {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            magnitude = magnitude * 10 + UInt64(digit)
            index += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A decimal's digits as an integer of `scale` digits after the point, or nil when it has
    /// more fraction digits or does not fit 38 digits.
    static func scaledInteger(_ text: UnsafeBufferPointer<UInt8>, scale: Int) -> Int128? {
        var index = text.startIndex
        let negative = index < text.endIndex && text[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int128 = 0
        var digits = 0
        var sawDigit = false
        var fraction: Int?
        while index < text.endIndex {
            let byte = text[index]
            index += 1
            if byte == UInt8(ascii: "."), fraction == nil {
                fraction = 0
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10, digits < 38 else { return nil }
            sawDigit = true
            value = value * 10 + Int128(digit)
            if value != 0 { digits += 1 }
            if let places = fraction { fraction = places + 1 }
        }
        let places = fraction ?? 0
        guard sawDigit, places <= scale, digits + scale - places <= 38 else { return nil }
        for _ in places..<scale { value *= 10 }
        return negative ? -value : value
    }

    mutating func append(_ value: Value?) {
        guard let value else { return appendNull() }
        setValid(true)
        switch (type, value) {
        case (.boolean, .boolean(let flag)): setBit(flag)
        case (.smallint, .integer(let number)): appendLittleEndian(Int16(truncatingIfNeeded: number), to: &values)
        case (.integer, .integer(let number)): appendLittleEndian(Int32(truncatingIfNeeded: number), to: &values)
        case (.bigint, .integer(let number)): appendLittleEndian(number, to: &values)
        case (.decimal(_, let scale), .decimal(let number)): appendDecimal(number, scale: scale)
        case (.decimal(_, let scale), .integer(let number)): appendDecimal(ExactDecimal(number), scale: scale)
        case (.real, .double(let number)): appendLittleEndian(Float(number).bitPattern, to: &values)
        case (.double, .double(let number)): appendLittleEndian(number.bitPattern, to: &values)
        case (.date, .date(let date)): appendLittleEndian(Int32(date.daysSinceEpoch), to: &values)
        case (.timestamp, .timestamp(let moment)), (.timestamptz, .timestamptz(let moment)):
            appendLittleEndian(moment.microsecondsSinceEpoch, to: &values)
        case (.time, .time(let micros)), (.interval, .interval(let micros)):
            appendLittleEndian(micros, to: &values)
        case (.binary, .binary(let bytes)):
            data.append(contentsOf: bytes)
            appendLittleEndian(Int32(data.count), to: &offsets)
        default:
            var text: [UInt8] = []
            value.appendStagedText(to: &text)
            data.append(contentsOf: text)
            appendLittleEndian(Int32(data.count), to: &offsets)
        }
        count += 1
    }

    /// Appends a value already in its Arrow form: an integer, a float's bits, days or microseconds.
    @inline(__always)
    mutating func appendFixed<Fixed: FixedWidthInteger>(_ value: Fixed) {
        setValid(true)
        appendLittleEndian(value, to: &values)
        count += 1
    }

    /// Appends a boolean.
    @inline(__always)
    mutating func appendBit(_ bit: Bool) {
        setValid(true)
        setBit(bit)
        count += 1
    }

    /// Appends a decimal128 (the value times 10^scale).
    @inline(__always)
    mutating func appendDecimal128(_ value: Int128) {
        setValid(true)
        appendLittleEndian(UInt64(truncatingIfNeeded: value), to: &values)
        appendLittleEndian(UInt64(truncatingIfNeeded: value >> 64), to: &values)
        count += 1
    }

    /// Appends a string's or binary's bytes as they are.
    @inline(__always)
    mutating func appendVariable(_ bytes: UnsafeRawBufferPointer) {
        setValid(true)
        data.append(contentsOf: bytes)
        appendLittleEndian(Int32(data.count), to: &offsets)
        count += 1
    }

    private mutating func appendDecimal(_ value: ExactDecimal, scale: Int) {
        var magnitude: UInt128 = 0
        var fraction = Array(value.fractionDigits.utf8)
        fraction += repeatElement(UInt8(ascii: "0"), count: max(0, scale - fraction.count))
        for digit in Array(value.integerDigits.utf8) + fraction.prefix(scale) {
            magnitude = magnitude &* 10 &+ UInt128(digit - UInt8(ascii: "0"))
        }
        let signed = value.isNegative ? 0 &- Int128(bitPattern: magnitude) : Int128(bitPattern: magnitude)
        appendLittleEndian(UInt64(truncatingIfNeeded: signed), to: &values)
        appendLittleEndian(UInt64(truncatingIfNeeded: signed >> 64), to: &values)
    }

    private static func width(_ type: ColumnType) -> Int {
        switch type {
        case .smallint: 2
        case .integer, .real, .date: 4
        case .decimal: 16
        default: 8
        }
    }

    private mutating func setValid(_ valid: Bool) {
        if count % 8 == 0 { validity.append(0) }
        if valid { validity[count / 8] |= 1 << UInt8(count % 8) }
    }

    /// A boolean's bit, at the same position as its validity bit.
    private mutating func setBit(_ bit: Bool) {
        if count % 8 == 0 { values.append(0) }
        if bit { values[count / 8] |= 1 << UInt8(count % 8) }
    }

    private func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}
