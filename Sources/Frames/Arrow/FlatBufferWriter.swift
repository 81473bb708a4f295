/// Builds one flatbuffer front to back (the Arrow metadata Stevedore writes): each table is
/// preceded by its vtable and followed by what it refers to, so every reference points forward,
/// as the format requires; scalars are aligned to their size.
enum FlatBufferWriter {
    /// Something a reference points at.
    indirect enum Node: Sendable {
        /// Fields by id; nil is absent (its default).
        case table([Field?])
        case tables([Node])
        /// Inline structs (or scalars) of `elementSize` bytes, already little-endian.
        case structs(elementSize: Int, alignment: Int, bytes: [UInt8])
        case string(String)
    }

    enum Field: Sendable {
        case bool(Bool)
        case uint8(UInt8)
        case int16(Int16)
        case int32(Int32)
        case int64(Int64)
        case reference(Node)

        var size: Int {
            switch self {
            case .bool, .uint8: 1
            case .int16: 2
            case .int32, .reference: 4
            case .int64: 8
            }
        }
    }

    /// The bytes of a flatbuffer whose root is `root`, padded to a multiple of 8.
    static func serialize(_ root: Node) -> [UInt8] {
        var output = Output()
        output.bytes = [0, 0, 0, 0]
        let position = output.write(root)
        output.patch(0, to: position)
        output.align(8)
        return output.bytes
    }

    private struct Output {
        var bytes: [UInt8] = []

        mutating func align(_ alignment: Int) {
            while bytes.count % alignment != 0 { bytes.append(0) }
        }

        mutating func append<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        /// Sets the `uoffset` at `position` to point at `target`.
        mutating func patch(_ position: Int, to target: Int) {
            let offset = UInt32(target - position)
            for index in 0..<4 { bytes[position + index] = UInt8(truncatingIfNeeded: offset >> (8 * index)) }
        }

        mutating func write(_ node: Node) -> Int {
            switch node {
            case .table(let fields): return writeTable(fields)
            case .tables(let nodes):
                align(4)
                let start = bytes.count
                append(UInt32(nodes.count))
                let slots = nodes.indices.map { start + 4 + 4 * $0 }
                for _ in nodes { append(UInt32(0)) }
                for (slot, node) in zip(slots, nodes) { patch(slot, to: write(node)) }
                return start
            case .structs(let size, let alignment, let elements):
                while (bytes.count + 4) % max(alignment, 4) != 0 { bytes.append(0) }
                let start = bytes.count
                append(UInt32(elements.count / size))
                bytes.append(contentsOf: elements)
                return start
            case .string(let text):
                align(4)
                let start = bytes.count
                let utf8 = Array(text.utf8)
                append(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
                bytes.append(0)
                return start
            }
        }

        private mutating func writeTable(_ fields: [Field?]) -> Int {
            // Inline layout after the 4-byte vtable offset: widest fields first, each aligned.
            var offsets = [Int](repeating: 0, count: fields.count)
            var size = 4
            for id in fields.indices.sorted(by: { (fields[$0]?.size ?? 0) > (fields[$1]?.size ?? 0) }) {
                guard let field = fields[id] else { continue }
                while size % field.size != 0 { size += 1 }
                offsets[id] = size
                size += field.size
            }
            align(2)
            let vtable = bytes.count
            append(UInt16(4 + 2 * fields.count))
            append(UInt16(size))
            for offset in offsets { append(UInt16(offset)) }
            align(8)
            let table = bytes.count
            append(Int32(table - vtable))
            bytes.append(contentsOf: repeatElement(0, count: size - 4))
            var references: [(Int, Node)] = []
            for (id, field) in fields.enumerated() {
                guard let field else { continue }
                let at = table + offsets[id]
                switch field {
                case .bool(let value): bytes[at] = value ? 1 : 0
                case .uint8(let value): bytes[at] = value
                case .int16(let value): store(value, at: at)
                case .int32(let value): store(value, at: at)
                case .int64(let value): store(value, at: at)
                case .reference(let node): references.append((at, node))
                }
            }
            for (at, node) in references { patch(at, to: write(node)) }
            return table
        }

        private mutating func store<Value: FixedWidthInteger>(_ value: Value, at position: Int) {
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (index, byte) in raw.enumerated() { bytes[position + index] = byte }
            }
        }
    }
}
