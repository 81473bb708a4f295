/// A canonical Huffman code as deflate (RFC 1951, 3.2.2) writes it: a length per symbol, at most
/// `limit` bits, and each symbol's code bit-reversed, since deflate packs bits from the lowest.
struct HuffmanCode: Sendable {
    /// Bits of each symbol's code (0: the symbol does not occur).
    private(set) var lengths: [UInt8]
    /// Each symbol's code, its first bit lowest.
    private(set) var codes: [UInt16]

    /// The code that gives frequent symbols short codes, none longer than `limit` bits. Always a
    /// complete code of at least two symbols (inflaters refuse a lone code or an incomplete one),
    /// so a symbol or two that do not occur may get a code.
    init(frequencies: UnsafeBufferPointer<UInt32>, limit: Int) {
        lengths = Self.lengths(frequencies, limit: limit)
        codes = Self.canonicalCodes(lengths, limit: limit)
    }

    /// The code of fixed lengths (deflate's fixed code, and tests).
    init(lengths: [UInt8], limit: Int) {
        self.lengths = lengths
        codes = Self.canonicalCodes(lengths, limit: limit)
    }

    /// Bits the symbols take with this code.
    func cost(_ frequencies: UnsafeBufferPointer<UInt32>) -> Int {
        var bits = 0
        for symbol in frequencies.indices { bits += Int(frequencies[symbol]) * Int(lengths[symbol]) }
        return bits
    }

    private static func lengths(_ frequencies: UnsafeBufferPointer<UInt32>, limit: Int) -> [UInt8] {
        precondition(frequencies.count >= 2, "a Huffman code needs an alphabet of two symbols at least")
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        var used = frequencies.indices.filter { frequencies[$0] > 0 }
        // Two symbols at least, so that the code is complete with one bit each.
        var filler = 0
        while used.count < 2 {
            if !used.contains(filler) { used.append(filler) }
            filler += 1
        }
        used.sort { (frequencies[$0], $0) < (frequencies[$1], $1) }
        let depths = treeDepths(used.map { max(UInt64(frequencies[$0]), 1) })
        for (rank, symbol) in used.enumerated() { lengths[symbol] = UInt8(min(depths[rank], limit)) }
        if depths.max()! > limit { complete(&lengths, ranked: used, limit: limit) }
        return lengths
    }

    /// The depth of each leaf of a Huffman tree over `weights`, given in ascending order: the two
    /// lightest trees are joined until one is left (two queues: leaves, then joined nodes).
    private static func treeDepths(_ weights: [UInt64]) -> [Int] {
        let leaves = weights.count
        var weight = weights + [UInt64](repeating: 0, count: leaves - 1)
        var parent = [Int](repeating: 0, count: 2 * leaves - 1)
        var nextLeaf = 0
        var nextNode = leaves
        for node in leaves..<(2 * leaves - 1) {
            var children = (0, 0)
            for pick in 0..<2 {
                let child: Int
                if nextLeaf < leaves && (nextNode >= node || weight[nextLeaf] <= weight[nextNode]) {
                    child = nextLeaf
                    nextLeaf += 1
                } else {
                    child = nextNode
                    nextNode += 1
                }
                if pick == 0 { children.0 = child } else { children.1 = child }
            }
            weight[node] = weight[children.0] + weight[children.1]
            parent[children.0] = node
            parent[children.1] = node
        }
        var depth = [Int](repeating: 0, count: 2 * leaves - 1)
        for node in stride(from: 2 * leaves - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        return Array(depth[0..<leaves])
    }

    /// Makes lengths cut to `limit` a complete prefix code again (Kraft's sum exactly one): first
    /// lengthens the rarest codes below the limit until the code is not oversubscribed, then
    /// shortens the longest codes whose gain fits until nothing is left over. `ranked` lists the
    /// used symbols, rarest first.
    private static func complete(_ lengths: inout [UInt8], ranked: [Int], limit: Int) {
        // Kraft's sum in units of 2^-limit.
        let full = 1 << limit
        var sum = ranked.reduce(0) { $0 + (1 << (limit - Int(lengths[$1]))) }
        while sum > full {
            var lengthened = false
            for length in stride(from: limit - 1, through: 1, by: -1) {
                if let symbol = ranked.first(where: { Int(lengths[$0]) == length }) {
                    lengths[symbol] += 1
                    sum -= 1 << (limit - length - 1)
                    lengthened = true
                    break
                }
            }
            precondition(lengthened, "a code of \(ranked.count) symbols cannot fit in \(limit) bits")
        }
        while sum < full {
            // The sum and `full` are multiples of the longest code's unit: shortening the most
            // frequent of the longest codes always fits.
            let longest = ranked.map { lengths[$0] }.max()!
            let symbol = ranked.last(where: { lengths[$0] == longest })!
            lengths[symbol] -= 1
            sum += 1 << (limit - Int(longest))
        }
    }

    /// RFC 1951's canonical codes for `lengths`, bit-reversed.
    private static func canonicalCodes(_ lengths: [UInt8], limit: Int) -> [UInt16] {
        var count = [Int](repeating: 0, count: limit + 1)
        for length in lengths where length > 0 { count[Int(length)] += 1 }
        var next = [Int](repeating: 0, count: limit + 2)
        var code = 0
        for bits in 1...limit {
            code = (code + count[bits - 1]) << 1
            next[bits] = code
        }
        var codes = [UInt16](repeating: 0, count: lengths.count)
        for symbol in lengths.indices where lengths[symbol] > 0 {
            let length = Int(lengths[symbol])
            codes[symbol] = reversed(UInt16(next[length]), bits: length)
            next[length] += 1
        }
        return codes
    }

    private static func reversed(_ code: UInt16, bits: Int) -> UInt16 {
        code.bitReversed >> (16 - bits)
    }
}

extension UInt16 {
    fileprivate var bitReversed: UInt16 {
        var value = self
        var result: UInt16 = 0
        for _ in 0..<16 {
            result = (result << 1) | (value & 1)
            value >>= 1
        }
        return result
    }
}
