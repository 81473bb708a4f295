/// Deflate's length and distance codes (RFC 1951, 3.2.5) and its fixed Huffman code (3.2.6).
enum DeflateTables {
    /// The first length of each length code 257...285.
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ]
    /// Extra bits after each length code.
    static let lengthExtraBits: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// The first distance of each distance code 0...29.
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]

    /// The length code (0...28, for symbols 257...285) of each match length 3...258, by length - 3.
    static let lengthCode: [UInt8] = {
        var codes = [UInt8](repeating: 0, count: 256)
        for code in 0..<29 {
            let first = Int(lengthBase[code]) - 3
            let count = code == 28 ? 1 : 1 << Int(lengthExtraBits[code])
            for length in first..<min(256, first + count) { codes[length] = UInt8(code) }
        }
        return codes
    }()

    /// The distance code of `distance` (1...32768).
    @inline(__always)
    static func distanceCode(_ distance: Int) -> Int {
        let value = distance - 1
        guard value >= 4 else { return value }
        let top = Int.bitWidth - 1 - value.leadingZeroBitCount
        return 2 * top + ((value >> (top - 1)) & 1)
    }

    /// Extra bits after distance code `code`.
    @inline(__always)
    static func distanceExtraBits(_ code: Int) -> Int {
        code < 4 ? 0 : code / 2 - 1
    }

    /// The fixed literal/length code: 8 bits for 0...143, 9 for 144...255, 7 for 256...279, 8 for
    /// 280...287.
    static let fixedLiterals = HuffmanCode(
        lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }, limit: 15)
    /// The fixed distance code: 5 bits each.
    static let fixedDistances = HuffmanCode(lengths: [UInt8](repeating: 5, count: 30), limit: 15)

    /// The order in which a dynamic block's header lists the code lengths' code.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}
