/// A read-only view of one flatbuffer (Arrow's message metadata): its tables, vectors and strings,
/// each offset checked against the buffer before it is followed, so hostile metadata is an error.
struct FlatBuffer: Sendable {
    /// What is wrong with the metadata, and at which byte of it.
    struct Malformed: Error, Sendable, Hashable {
        var offset: Int
        var message: String
    }

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The root table: the buffer starts with its offset.
    func root() throws(Malformed) -> FlatTable {
        try table(at: try reference(at: 0), depth: 0)
    }

    /// Tables nest (a field's children are fields); deeper metadata is refused, so a cycle of
    /// offsets cannot recurse without end.
    static let maximumDepth = 64

    func table(at position: Int, depth: Int) throws(Malformed) -> FlatTable {
        guard depth <= Self.maximumDepth else {
            throw Malformed(offset: position, message: "tables nest deeper than \(Self.maximumDepth)")
        }
        let vtable = position - Int(try int32(at: position))
        let vtableSize = Int(try uint16(at: vtable))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtable + vtableSize <= bytes.count else {
            throw Malformed(offset: vtable, message: "a table's vtable of \(vtableSize) bytes does not fit")
        }
        let tableSize = Int(try uint16(at: vtable + 2))
        guard position + tableSize <= bytes.count else {
            throw Malformed(offset: position, message: "a table of \(tableSize) bytes runs past the metadata")
        }
        return FlatTable(buffer: self, position: position, vtable: vtable, vtableSize: vtableSize, depth: depth)
    }

    /// The position a `uoffset` at `position` points to.
    func reference(at position: Int) throws(Malformed) -> Int {
        let target = position + Int(try uint32(at: position))
        guard target < bytes.count else {
            throw Malformed(offset: position, message: "an offset points past the metadata")
        }
        return target
    }

    func check(_ position: Int, size: Int) throws(Malformed) {
        guard position >= 0, size >= 0, position <= bytes.count - size else {
            throw Malformed(offset: position, message: "\(size) bytes at \(position) lie outside the metadata")
        }
    }

    func uint8(at position: Int) throws(Malformed) -> UInt8 {
        try check(position, size: 1)
        return bytes[position]
    }

    func uint16(at position: Int) throws(Malformed) -> UInt16 {
        UInt16(truncatingIfNeeded: try littleEndian(at: position, size: 2))
    }

    func int32(at position: Int) throws(Malformed) -> Int32 {
        Int32(truncatingIfNeeded: try littleEndian(at: position, size: 4))
    }

    func uint32(at position: Int) throws(Malformed) -> UInt32 {
        UInt32(truncatingIfNeeded: try littleEndian(at: position, size: 4))
    }

    func int64(at position: Int) throws(Malformed) -> Int64 {
        Int64(bitPattern: try littleEndian(at: position, size: 8))
    }

    private func littleEndian(at position: Int, size: Int) throws(Malformed) -> UInt64 {
        try check(position, size: size)
        var value: UInt64 = 0
        for index in (0..<size).reversed() {
            value = value << 8 | UInt64(bytes[position + index])
        }
        return value
    }
}

/// One table of a `FlatBuffer`: its fields by id, absent fields reading as their defaults.
struct FlatTable: Sendable {
    let buffer: FlatBuffer
    let position: Int
    let vtable: Int
    let vtableSize: Int
    let depth: Int

    /// Where field `id` lies, or nil when the table does not hold it.
    func fieldPosition(_ id: Int) throws(FlatBuffer.Malformed) -> Int? {
        let entry = 4 + 2 * id
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try buffer.uint16(at: vtable + entry))
        return offset == 0 ? nil : position + offset
    }

    func bool(_ id: Int, default value: Bool = false) throws(FlatBuffer.Malformed) -> Bool {
        guard let at = try fieldPosition(id) else { return value }
        return try buffer.uint8(at: at) != 0
    }

    func uint8(_ id: Int, default value: UInt8 = 0) throws(FlatBuffer.Malformed) -> UInt8 {
        guard let at = try fieldPosition(id) else { return value }
        return try buffer.uint8(at: at)
    }

    func int16(_ id: Int, default value: Int16 = 0) throws(FlatBuffer.Malformed) -> Int16 {
        guard let at = try fieldPosition(id) else { return value }
        return Int16(bitPattern: try buffer.uint16(at: at))
    }

    func int32(_ id: Int, default value: Int32 = 0) throws(FlatBuffer.Malformed) -> Int32 {
        guard let at = try fieldPosition(id) else { return value }
        return try buffer.int32(at: at)
    }

    func int64(_ id: Int, default value: Int64 = 0) throws(FlatBuffer.Malformed) -> Int64 {
        guard let at = try fieldPosition(id) else { return value }
        return try buffer.int64(at: at)
    }

    /// The table field `id` refers to.
    func table(_ id: Int) throws(FlatBuffer.Malformed) -> FlatTable? {
        guard let at = try fieldPosition(id) else { return nil }
        return try buffer.table(at: try buffer.reference(at: at), depth: depth + 1)
    }

    /// The string field `id` refers to (its bytes decoded as UTF-8).
    func string(_ id: Int) throws(FlatBuffer.Malformed) -> String? {
        guard let vector = try vector(id, elementSize: 1) else { return nil }
        return String(decoding: buffer.bytes[vector.start..<vector.start + vector.count], as: UTF8.self)
    }

    /// The vector field `id` refers to, its elements `elementSize` bytes each (4 for tables),
    /// checked to lie inside the buffer.
    func vector(_ id: Int, elementSize: Int) throws(FlatBuffer.Malformed) -> FlatVector? {
        guard let at = try fieldPosition(id) else { return nil }
        let start = try buffer.reference(at: at)
        let count = Int(try buffer.uint32(at: start))
        guard count <= (buffer.bytes.count - start - 4) / elementSize else {
            throw FlatBuffer.Malformed(offset: start, message: "a vector of \(count) elements runs past the metadata")
        }
        return FlatVector(buffer: buffer, start: start + 4, count: count, elementSize: elementSize, depth: depth)
    }
}

/// A vector of a `FlatBuffer`: inline structs or scalars, or references to tables.
struct FlatVector: Sendable {
    let buffer: FlatBuffer
    /// The first element's position.
    let start: Int
    let count: Int
    let elementSize: Int
    let depth: Int

    /// The position of element `index` (an inline struct's first byte).
    func position(_ index: Int) -> Int { start + index * elementSize }

    /// Element `index` as a table reference.
    func table(_ index: Int) throws(FlatBuffer.Malformed) -> FlatTable {
        try buffer.table(at: try buffer.reference(at: position(index)), depth: depth + 1)
    }

    func int64(_ index: Int) throws(FlatBuffer.Malformed) -> Int64 {
        try buffer.int64(at: position(index))
    }
}
