/// The header of a dynamic Huffman block (RFC 1951, 3.2.7): how many literal/length and distance
/// codes it has, and their lengths, run-length coded and then Huffman coded themselves.
struct DynamicBlockHeader {
    private let literalCount: Int
    private let distanceCount: Int
    /// The run-length coded lengths: a length 0...15, or 16/17/18 with its repeat count's extra
    /// bits, as symbol | extra << 8.
    private var items: [UInt16] = []
    private let lengthCode: HuffmanCode
    private let lengthCodeCount: Int
    /// Bits the header takes, after the block's first three.
    let bitCount: Int

    init(literals: [UInt8], distances: [UInt8]) {
        literalCount = max(257, (literals.lastIndex { $0 != 0 } ?? 0) + 1)
        distanceCount = max(1, (distances.lastIndex { $0 != 0 } ?? 0) + 1)
        let lengths = Array(literals[0..<literalCount]) + Array(distances[0..<distanceCount])
        var counts = [UInt32](repeating: 0, count: 19)
        var index = 0
        while index < lengths.count {
            let length = lengths[index]
            var run = 1
            while index + run < lengths.count && lengths[index + run] == length { run += 1 }
            index += run
            if length == 0 {
                while run >= 11 {
                    let taken = min(run, 138)
                    items.append(18 | UInt16(taken - 11) << 8)
                    run -= taken
                }
                if run >= 3 {
                    items.append(17 | UInt16(run - 3) << 8)
                    run = 0
                }
            } else {
                items.append(UInt16(length))
                run -= 1
                while run >= 3 {
                    let taken = min(run, 6)
                    items.append(16 | UInt16(taken - 3) << 8)
                    run -= taken
                }
            }
            for _ in 0..<run { items.append(UInt16(length)) }
        }
        for item in items { counts[Int(item & 0xFF)] += 1 }
        let code = counts.withUnsafeBufferPointer { HuffmanCode(frequencies: $0, limit: 7) }
        let order = DeflateTables.codeLengthOrder
        let listed = max(4, (order.lastIndex { code.lengths[$0] != 0 } ?? 0) + 1)
        var bits = 5 + 5 + 4 + 3 * listed
        for item in items {
            bits += Int(code.lengths[Int(item & 0xFF)]) + Self.extraBits(of: Int(item & 0xFF))
        }
        lengthCode = code
        lengthCodeCount = listed
        bitCount = bits
    }

    private static func extraBits(of symbol: Int) -> Int {
        switch symbol {
        case 16: 2
        case 17: 3
        case 18: 7
        default: 0
        }
    }

    func write(to writer: inout DeflateBitWriter) {
        writer.write(UInt64(literalCount - 257), 5)
        writer.write(UInt64(distanceCount - 1), 5)
        writer.write(UInt64(lengthCodeCount - 4), 4)
        for symbol in DeflateTables.codeLengthOrder[0..<lengthCodeCount] {
            writer.write(UInt64(lengthCode.lengths[symbol]), 3)
        }
        for item in items {
            let symbol = Int(item & 0xFF)
            writer.write(UInt64(lengthCode.codes[symbol]), Int(lengthCode.lengths[symbol]))
            let extra = Self.extraBits(of: symbol)
            if extra > 0 { writer.write(UInt64(item >> 8), extra) }
        }
    }
}
