/// A message body's bytes, copied once into memory that does not move, so that the arrays of its
/// batch read values through a plain pointer: no reference counting per value. Its pointer code is
/// confined to this file, beside the reads it serves (a hot loop over a batch's bytes).
final class ArrowBody: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(_ body: [UInt8]) {
        bytes = .allocate(byteCount: max(1, body.count), alignment: 8)
        body.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    deinit { bytes.deallocate() }

    /// A little-endian fixed-width value at byte `offset` (checked by the caller).
    @inline(__always)
    func load<Value: FixedWidthInteger>(_ offset: Int, as type: Value.Type) -> Value {
        Value(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Value.self))
    }
}

/// One field's values in one record batch: the field, its row count, and where its buffers lie in
/// the batch's body, every range and offset checked when it is built, so reading a value cannot go
/// past the body whatever the input declared.
final class ArrowArray: Sendable {
    let field: ArrowField
    let length: Int
    let nullCount: Int
    /// The body the ranges index, shared by every array of a batch (and kept alive by them).
    let body: ArrowBody
    /// The validity bitmap, or nil when every value is valid.
    let validity: Range<Int>?
    /// The type's buffers after the validity bitmap: values; or offsets and data; or views, then
    /// the views' data buffers.
    let buffers: [Range<Int>]
    let children: [ArrowArray]
    /// How each value is read and written, decided once from the field.
    let kind: ArrowValueKind
    /// `body`'s bytes, and where the bitmap (-1: none) and the first two buffers start, read per value.
    private nonisolated(unsafe) let base: UnsafeRawPointer
    private let validityStart: Int
    private let firstStart: Int
    private let secondStart: Int

    init(
        field: ArrowField, length: Int, nullCount: Int, body: ArrowBody, validity: Range<Int>?, buffers: [Range<Int>],
        children: [ArrowArray]
    ) {
        self.field = field
        self.length = length
        self.nullCount = nullCount
        self.body = body
        self.validity = validity
        self.buffers = buffers
        self.children = children
        kind = ArrowValueKind(field)
        base = UnsafeRawPointer(body.bytes.baseAddress!)
        validityStart = validity?.lowerBound ?? -1
        firstStart = buffers.first?.lowerBound ?? 0
        secondStart = buffers.count > 1 ? buffers[1].lowerBound : 0
    }

    /// Whether row `index` holds a value (not NULL).
    @inline(__always)
    func isValid(_ index: Int) -> Bool {
        // Without a bitmap, NULLs are all or nothing: a Null-type array is all NULL.
        guard validityStart >= 0 else { return nullCount == 0 }
        return base.load(fromByteOffset: validityStart + index >> 3, as: UInt8.self) & (1 << UInt8(index & 7)) != 0
    }

    /// Bit `index` of the first buffer (a Bool array's values).
    @inline(__always)
    func bit(_ index: Int) -> Bool {
        base.load(fromByteOffset: firstStart + index >> 3, as: UInt8.self) & (1 << UInt8(index & 7)) != 0
    }

    /// A little-endian fixed-width value at byte `offset` of the body.
    @inline(__always)
    func load<Value: FixedWidthInteger>(_ offset: Int, as type: Value.Type) -> Value {
        Value(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Value.self))
    }

    /// Value `index` of a fixed-width buffer (0 or 1).
    @inline(__always)
    func element<Value: FixedWidthInteger>(_ buffer: Int, _ index: Int, as type: Value.Type) -> Value {
        load((buffer == 0 ? firstStart : secondStart) + index * MemoryLayout<Value>.size, as: type)
    }

    /// The bytes at `range` of the body.
    @inline(__always)
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// The byte range of variable-length value `index` (Utf8, Binary and their large and view forms).
    @inline(__always)
    func valueRange(_ index: Int) -> Range<Int> {
        switch kind {
        case .string(.offsets32), .binary(.offsets32):
            let start = Int(element(0, index, as: Int32.self))
            let end = Int(element(0, index + 1, as: Int32.self))
            return secondStart + start..<secondStart + end
        case .string(.offsets64), .binary(.offsets64):
            let start = Int(element(0, index, as: Int64.self))
            let end = Int(element(0, index + 1, as: Int64.self))
            return secondStart + start..<secondStart + end
        case .binary(.fixed(let width)):
            let start = firstStart + index * width
            return start..<start + width
        default:
            let view = firstStart + index * 16
            let length = Int(load(view, as: Int32.self))
            if length <= 12 { return view + 4..<view + 4 + length }
            let data = buffers[1 + Int(load(view + 8, as: Int32.self))]
            let start = data.lowerBound + Int(load(view + 12, as: Int32.self))
            return start..<start + length
        }
    }

    /// The child rows of list (or map) row `index`.
    @inline(__always)
    func childRange(_ index: Int) -> Range<Int> {
        switch field.type {
        case .largeList:
            return Int(element(0, index, as: Int64.self))..<Int(element(0, index + 1, as: Int64.self))
        case .fixedSizeList(let size):
            return index * size..<(index + 1) * size
        default:
            return Int(element(0, index, as: Int32.self))..<Int(element(0, index + 1, as: Int32.self))
        }
    }
}

/// Builds a batch's arrays from its header, consuming field nodes and buffers in pre-order as the
/// IPC format lays them out, and checking each against the body.
struct ArrowArrayBuilder {
    /// What is wrong, and the field it was found in.
    struct Malformed: Error {
        var field: String
        var message: String
    }

    let header: ArrowMessage.RecordBatchHeader
    let body: [UInt8]
    private let storage: ArrowBody
    /// Rows a batch may declare beyond one per bit of its body.
    static let freeRows: Int64 = 65_536
    private var nextNode = 0
    private var nextBuffer = 0
    private var nextVariadic = 0

    init(header: ArrowMessage.RecordBatchHeader, body: [UInt8]) {
        self.header = header
        self.body = body
        storage = ArrowBody(body)
    }

    /// Every top-level field's array; each must hold the batch's row count.
    mutating func arrays(_ fields: [ArrowField]) throws(Malformed) -> [ArrowArray] {
        guard header.length >= 0, header.length <= Int64(body.count) * 8 + Self.freeRows else {
            throw Malformed(
                field: fields.first?.name ?? "",
                message: "the batch declares \(header.length) rows, more than a body of \(body.count) bytes holds")
        }
        var arrays: [ArrowArray] = []
        for field in fields {
            let array = try build(field, path: field.name)
            guard array.length == header.length else {
                throw Malformed(
                    field: field.name, message: "the column has \(array.length) rows, the batch \(header.length)")
            }
            arrays.append(array)
        }
        return arrays
    }

    /// The array of a field whose values are dictionary indices is built as an integer array.
    private mutating func build(_ field: ArrowField, path: String) throws(Malformed) -> ArrowArray {
        guard nextNode < header.nodes.count else {
            throw Malformed(field: path, message: "the batch has fewer field nodes than the schema has fields")
        }
        let node = header.nodes[nextNode]
        nextNode += 1
        guard node.length >= 0, node.length <= Int64(Int32.max), node.nullCount >= 0, node.nullCount <= node.length
        else {
            throw Malformed(
                field: path, message: "a field node declares \(node.length) rows and \(node.nullCount) NULLs")
        }
        // Rows that take no bytes (Null columns, empty structs, zero-width values) are few in any
        // real batch; more than the body could pay for, one bit each, is a forged count.
        guard node.length <= Int64(body.count) * 8 + Self.freeRows else {
            throw Malformed(
                field: path,
                message: "a field node declares \(node.length) rows, more than a body of \(body.count) bytes holds")
        }
        let length = Int(node.length)
        let nullCount = Int(node.nullCount)
        let type: ArrowType =
            field.dictionary.map { .int(bitWidth: $0.indexBitWidth, signed: $0.indexSigned) } ?? field.type

        // A Null array has no buffers at all; every other type starts with a validity bitmap.
        if type == .null {
            return ArrowArray(
                field: field, length: length, nullCount: length, body: storage, validity: nil, buffers: [],
                children: [])
        }
        let validityBuffer = try buffer(path)
        var validity: Range<Int>?
        if nullCount > 0 {
            guard validityBuffer.count >= (length + 7) / 8 else {
                throw Malformed(
                    field: path,
                    message: "the validity bitmap holds \(validityBuffer.count) bytes for \(length) rows")
            }
            validity = validityBuffer
        }

        var buffers: [Range<Int>] = []
        var children: [ArrowArray] = []
        switch type {
        case .int(let bits, _):
            guard [8, 16, 32, 64].contains(bits) else {
                throw Malformed(field: path, message: "an int of \(bits) bits")
            }
            buffers = [try fixedWidth(path, length: length, bytes: bits / 8)]
        case .floatingPoint(let bits):
            buffers = [try fixedWidth(path, length: length, bytes: bits / 8)]
        case .bool:
            buffers = [try fixedWidth(path, length: (length + 7) / 8, bytes: 1)]
        case .decimal(let precision, let scale, let bits):
            guard bits == 128 || bits == 256 || bits == 64 || bits == 32 else {
                throw Malformed(field: path, message: "a decimal of \(bits) bits")
            }
            // 256 bits hold 76 digits; a scale beyond the digits would only pad zeros.
            guard (1...76).contains(precision), (-76...76).contains(scale) else {
                throw Malformed(field: path, message: "a decimal of precision \(precision) and scale \(scale)")
            }
            buffers = [try fixedWidth(path, length: length, bytes: bits / 8)]
        case .date(let bits):
            buffers = [try fixedWidth(path, length: length, bytes: bits / 8)]
        case .time(_, let bits):
            guard bits == 32 || bits == 64 else { throw Malformed(field: path, message: "a time of \(bits) bits") }
            buffers = [try fixedWidth(path, length: length, bytes: bits / 8)]
        case .timestamp, .duration:
            buffers = [try fixedWidth(path, length: length, bytes: 8)]
        case .fixedSizeBinary(let width):
            guard width >= 0 else { throw Malformed(field: path, message: "a fixed-size binary of \(width) bytes") }
            buffers = [try fixedWidth(path, length: length, bytes: width)]
        case .utf8, .binary:
            let offsets = try fixedWidth(path, length: length == 0 ? 0 : length + 1, bytes: 4)
            let data = try buffer(path)
            try checkOffsets(offsets, length: length, width: 4, limit: data.count, path: path, what: "data buffer")
            buffers = [offsets, data]
        case .largeUTF8, .largeBinary:
            let offsets = try fixedWidth(path, length: length == 0 ? 0 : length + 1, bytes: 8)
            let data = try buffer(path)
            try checkOffsets(offsets, length: length, width: 8, limit: data.count, path: path, what: "data buffer")
            buffers = [offsets, data]
        case .utf8View, .binaryView:
            let views = try fixedWidth(path, length: length, bytes: 16)
            guard nextVariadic < header.variadicBufferCounts.count else {
                throw Malformed(field: path, message: "the batch does not say how many data buffers the view has")
            }
            let count = header.variadicBufferCounts[nextVariadic]
            nextVariadic += 1
            guard count >= 0, count <= Int64(header.buffers.count) else {
                throw Malformed(field: path, message: "\(count) data buffers for a view")
            }
            var data: [Range<Int>] = []
            for _ in 0..<Int(count) { data.append(try buffer(path)) }
            buffers = [views] + data
            try checkViews(buffers, length: length, validity: validity, path: path)
        case .list, .map:
            let offsets = try fixedWidth(path, length: length == 0 ? 0 : length + 1, bytes: 4)
            children = try childArrays(field, path: path)
            try checkOffsets(
                offsets, length: length, width: 4, limit: children.first?.length ?? 0, path: path, what: "child")
            buffers = [offsets]
        case .largeList:
            let offsets = try fixedWidth(path, length: length == 0 ? 0 : length + 1, bytes: 8)
            children = try childArrays(field, path: path)
            try checkOffsets(
                offsets, length: length, width: 8, limit: children.first?.length ?? 0, path: path, what: "child")
            buffers = [offsets]
        case .fixedSizeList(let size):
            children = try childArrays(field, path: path)
            guard size >= 0, (children.first?.length ?? 0) >= length * size else {
                throw Malformed(field: path, message: "the child has too few rows for \(length) lists of \(size)")
            }
        case .structure:
            children = try childArrays(field, path: path)
            if let short = children.first(where: { $0.length < length }) {
                throw Malformed(field: path, message: "struct field \(short.field.name) has fewer rows than its parent")
            }
        case .null, .unsupported:
            throw Malformed(field: path, message: "the type \(type) cannot be read")
        }
        return ArrowArray(
            field: field, length: length, nullCount: nullCount, body: storage, validity: validity, buffers: buffers,
            children: children)
    }

    private mutating func childArrays(_ field: ArrowField, path: String) throws(Malformed) -> [ArrowArray] {
        let expected: Int
        switch field.type {
        case .list, .largeList, .fixedSizeList, .map: expected = 1
        default: expected = field.children.count
        }
        guard field.children.count == expected, expected > 0 || field.type == .structure else {
            throw Malformed(field: path, message: "a \(field.type) with \(field.children.count) children")
        }
        if field.type == .map,
            field.children[0].type != .structure || field.children[0].children.count != 2
                || field.children[0].dictionary != nil
        {
            throw Malformed(field: path, message: "a map's entries are not a struct of key and value")
        }
        var children: [ArrowArray] = []
        for child in field.children {
            children.append(try build(child, path: path + "." + (child.name.isEmpty ? "item" : child.name)))
        }
        return children
    }

    /// The next buffer's byte range in the body.
    private mutating func buffer(_ path: String) throws(Malformed) -> Range<Int> {
        guard nextBuffer < header.buffers.count else {
            throw Malformed(field: path, message: "the batch has fewer buffers than its fields need")
        }
        let buffer = header.buffers[nextBuffer]
        nextBuffer += 1
        guard buffer.offset >= 0, buffer.length >= 0, buffer.offset <= Int64(body.count),
            buffer.length <= Int64(body.count) - buffer.offset
        else {
            throw Malformed(
                field: path,
                message: "buffer \(nextBuffer) of \(buffer.length) bytes at \(buffer.offset) lies past the body of "
                    + "\(body.count) bytes")
        }
        return Int(buffer.offset)..<Int(buffer.offset + buffer.length)
    }

    /// The next buffer, which must hold `length` values of `bytes` bytes each.
    private mutating func fixedWidth(_ path: String, length: Int, bytes: Int) throws(Malformed) -> Range<Int> {
        let range = try buffer(path)
        let (needed, overflow) = length.multipliedReportingOverflow(by: bytes)
        guard !overflow, range.count >= needed else {
            throw Malformed(
                field: path, message: "a buffer of \(range.count) bytes for \(length) values of \(bytes) bytes")
        }
        return range
    }

    /// Offsets must not decrease and must stay within `limit` (the data buffer's bytes, or the
    /// child's rows).
    private func checkOffsets(
        _ offsets: Range<Int>, length: Int, width: Int, limit: Int, path: String, what: String
    ) throws(Malformed) {
        guard length > 0 else { return }
        var previous: Int64 = -1
        for index in 0...length {
            let at = offsets.lowerBound + index * width
            let offset = width == 4 ? Int64(storage.load(at, as: Int32.self)) : storage.load(at, as: Int64.self)
            guard offset >= max(previous, 0), offset <= Int64(limit) else {
                throw Malformed(
                    field: path,
                    message: "offset \(index) is \(offset), "
                        + (offset < previous
                            ? "less than the one before (\(previous))" : "outside the \(what) (\(limit))"))
            }
            previous = offset
        }
    }

    /// Each view of a valid row either holds its bytes inline or points inside one of the data
    /// buffers.
    private func checkViews(_ buffers: [Range<Int>], length: Int, validity: Range<Int>?, path: String)
        throws(Malformed)
    {
        for index in 0..<length {
            if let validity,
                storage.load(validity.lowerBound + index >> 3, as: UInt8.self) & (1 << UInt8(index & 7)) == 0
            {
                continue
            }
            let view = buffers[0].lowerBound + index * 16
            let size = storage.load(view, as: Int32.self)
            guard size >= 0 else { throw Malformed(field: path, message: "view \(index) has a negative length") }
            if size <= 12 { continue }
            let buffer = storage.load(view + 8, as: Int32.self)
            let offset = storage.load(view + 12, as: Int32.self)
            guard buffer >= 0, Int(buffer) < buffers.count - 1, offset >= 0,
                Int(offset) + Int(size) <= buffers[1 + Int(buffer)].count
            else {
                throw Malformed(
                    field: path,
                    message: "view \(index) points at \(size) bytes at \(offset) of data buffer \(buffer), "
                        + "which lie outside it")
            }
        }
    }
}

/// What an array's values are, as the text writer reads them: a flat case per physical form, so
/// that writing a value is one switch on a small enum.
enum ArrowValueKind: Sendable, Hashable {
    /// Where a variable-length value's bytes are.
    enum Layout: Sendable, Hashable {
        case offsets32, offsets64, view
        case fixed(Int)
    }

    case null
    case dictionary(indexBits: Int, signed: Bool, id: Int64)
    case signed(bytes: Int)
    case unsigned(bytes: Int)
    case float16, float32, float64
    case bool
    case decimal(bytes: Int, precision: Int, scale: Int)
    case date32, date64
    case time(ArrowType.TimeUnit, bytes: Int)
    case timestamp(ArrowType.TimeUnit, zoned: Bool)
    case duration(ArrowType.TimeUnit)
    case string(Layout)
    case binary(Layout)
    case nested

    init(_ field: ArrowField) {
        if let encoding = field.dictionary {
            self = .dictionary(indexBits: encoding.indexBitWidth, signed: encoding.indexSigned, id: encoding.id)
            return
        }
        switch field.type {
        case .null, .unsupported: self = .null
        case .int(let bits, let signed): self = signed ? .signed(bytes: bits / 8) : .unsigned(bytes: bits / 8)
        case .floatingPoint(let bits): self = bits == 16 ? .float16 : bits == 32 ? .float32 : .float64
        case .bool: self = .bool
        case .decimal(let precision, let scale, let bits):
            self = .decimal(bytes: bits / 8, precision: precision, scale: scale)
        case .date(let bits): self = bits == 32 ? .date32 : .date64
        case .time(let unit, let bits): self = .time(unit, bytes: bits / 8)
        case .timestamp(let unit, let zone): self = .timestamp(unit, zoned: zone != nil)
        case .duration(let unit): self = .duration(unit)
        case .utf8: self = .string(.offsets32)
        case .largeUTF8: self = .string(.offsets64)
        case .utf8View: self = .string(.view)
        case .binary: self = .binary(.offsets32)
        case .largeBinary: self = .binary(.offsets64)
        case .binaryView: self = .binary(.view)
        case .fixedSizeBinary(let width): self = .binary(.fixed(width))
        case .list, .largeList, .fixedSizeList, .structure, .map: self = .nested
        }
    }
}
