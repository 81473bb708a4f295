import Glibc

/// Raw deflate (RFC 1951) of a byte stream, built for speed: greedy LZ77 matching with one
/// candidate per position over a 32 KiB window, and for each run of up to 32,768 symbols the
/// smallest of a dynamic Huffman, a fixed Huffman or a stored block. `GzipWriter`'s level 1.
final class DeflateEncoder {
    private static let windowSize = 32 * 1024
    /// Input taken into the window at a time.
    private static let chunkSize = 256 * 1024
    private static let hashBits = 16
    private static let blockSymbols = 32 * 1024
    private static let maxMatch = 258
    /// A table entry no position can match (its distance is always too far).
    private static let noPosition = Int32.min / 2

    /// The last 32 KiB of input already compressed, then the input being compressed; 8 bytes of
    /// slack let positions near its end be read eight bytes at a time.
    private let window: UnsafeMutablePointer<UInt8>
    private let windowCapacity = DeflateEncoder.windowSize + DeflateEncoder.chunkSize
    private var filled = 0
    /// The latest position of each hash of six bytes, as its index in `window` plus `positionBias`
    /// (so that sliding the window changes the bias, not the table).
    private let positions: UnsafeMutablePointer<Int32>
    private var positionBias = 0
    /// The bias beyond which the table's entries are made indices again (a test's is small).
    private let rebaseAfter: Int
    /// A block's symbols: a literal byte (distance 0), or a match as length - 3 | distance << 8.
    private let symbols: UnsafeMutablePointer<UInt32>
    private let literalCounts: UnsafeMutablePointer<UInt32>
    private let distanceCounts: UnsafeMutablePointer<UInt32>
    /// For the block being written: each literal's and match length's code (see `writeBlock`), and
    /// each distance symbol's code | bits << 16.
    private let symbolCodes: UnsafeMutablePointer<UInt64>
    private let distanceCodes: UnsafeMutablePointer<UInt32>
    /// By match length - 3: its length code, extra bits and their value (code | bits << 8 | value << 16).
    private let lengthSymbols: UnsafeMutablePointer<UInt32>
    private let distanceBases: UnsafeMutablePointer<UInt32>
    /// Bits written but not yet whole bytes in the output.
    private var pendingBits: UInt64 = 0
    private var pendingBitCount = 0

    init(rebasingAfter rebaseAfter: Int = 1 << 30) {
        self.rebaseAfter = rebaseAfter
        window = .allocate(capacity: windowCapacity + 8)
        window.initialize(repeating: 0, count: windowCapacity + 8)
        positions = .allocate(capacity: 1 << Self.hashBits)
        symbols = .allocate(capacity: Self.blockSymbols)
        literalCounts = .allocate(capacity: 286)
        distanceCounts = .allocate(capacity: 30)
        symbolCodes = .allocate(capacity: 512)
        distanceCodes = .allocate(capacity: 30)
        lengthSymbols = .allocate(capacity: 256)
        distanceBases = .allocate(capacity: 30)
        for length in 0..<256 {
            let code = Int(DeflateTables.lengthCode[length])
            let extra = UInt32(length + 3) - UInt32(DeflateTables.lengthBase[code])
            lengthSymbols[length] = UInt32(code) | UInt32(DeflateTables.lengthExtraBits[code]) << 8 | extra << 16
        }
        for code in 0..<30 { distanceBases[code] = UInt32(DeflateTables.distanceBase[code]) }
        reset()
    }

    deinit {
        window.deallocate()
        positions.deallocate()
        symbols.deallocate()
        literalCounts.deallocate()
        distanceCounts.deallocate()
        symbolCodes.deallocate()
        distanceCodes.deallocate()
        lengthSymbols.deallocate()
        distanceBases.deallocate()
    }

    /// Starts a new stream, keeping the memory.
    func reset() {
        filled = 0
        positionBias = 0
        positions.initialize(repeating: Self.noPosition, count: 1 << Self.hashBits)
        pendingBits = 0
        pendingBitCount = 0
    }

    /// Compresses `input` into blocks appended to `output`; every byte given is in a complete block
    /// when this returns, except for up to seven bits of the last one.
    func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var offset = 0
        while offset < input.count {
            let take = min(input.count - offset, Self.chunkSize)
            if filled + take > windowCapacity { slide() }
            (window + filled).update(
                from: input.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, count: take)
            compressWindow(from: filled, to: filled + take, into: &output)
            filled += take
            offset += take
        }
    }

    /// Ends the stream: a last, empty block, and the final bits padded to a byte.
    func finish(into output: inout [UInt8]) {
        write(into: &output, atMost: 8) { writer in
            // BFINAL 1, fixed Huffman (01), then end-of-block, 0000000.
            writer.write(0b011, 3)
            writer.write(0, 7)
            writer.alignToByte()
        }
    }

    /// The table slot of the six bytes at the start of `eight` (read little-endian): six, not
    /// four, so that short chance matches do not displace the ones worth finding.
    @inline(__always)
    private static func hash(_ eight: UInt64) -> Int {
        Int(truncatingIfNeeded: ((eight &<< 16) &* 0x9E37_79B1_7F4A_7C15) &>> UInt64(64 - hashBits))
    }

    /// Keeps only the last 32 KiB of the window, at its start.
    private func slide() {
        let kept = min(filled, Self.windowSize)
        let shift = filled - kept
        // The kept bytes may overlap where they go (after a short write): memmove, not a copy.
        memmove(window, window + shift, kept)
        filled = kept
        positionBias += shift
        guard positionBias > rebaseAfter else { return }
        for hash in 0..<(1 << Self.hashBits) {
            let index = Int(positions[hash]) - positionBias
            positions[hash] = index < -Self.windowSize ? Self.noPosition : Int32(index)
        }
        positionBias = 0
    }

    private func compressWindow(from start: Int, to end: Int, into output: inout [UInt8]) {
        let bytes = UnsafeRawPointer(window)
        let positions = self.positions
        let symbols = self.symbols
        let literalCounts = self.literalCounts
        let distanceCounts = self.distanceCounts
        let lengthSymbols = self.lengthSymbols
        let bias = positionBias
        var position = start
        var blockStart = start
        var count = 0
        literalCounts.update(repeating: 0, count: 286)
        distanceCounts.update(repeating: 0, count: 30)
        let lastHashed = end - 4
        let window = self.window
        while position < end {
            if count >= Self.blockSymbols - 1 {
                writeBlock(from: blockStart, to: position, symbolCount: count, into: &output)
                blockStart = position
                count = 0
                literalCounts.update(repeating: 0, count: 286)
                distanceCounts.update(repeating: 0, count: 30)
            }
            if position <= lastHashed {
                let eight = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let four = UInt32(truncatingIfNeeded: eight)
                let hash = Self.hash(eight)
                let candidate = Int(positions[hash]) &- bias
                positions[hash] = Int32(truncatingIfNeeded: position &+ bias)
                let distance = position &- candidate
                if distance <= Self.windowSize
                    && bytes.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) == four
                {
                    let longest = min(Self.maxMatch, end - position)
                    var length = 4
                    var differs = false
                    while length + 8 <= longest {
                        let difference =
                            bytes.loadUnaligned(fromByteOffset: position + length, as: UInt64.self)
                            ^ bytes.loadUnaligned(fromByteOffset: candidate + length, as: UInt64.self)
                        if difference != 0 {
                            length += difference.trailingZeroBitCount >> 3
                            differs = true
                            break
                        }
                        length += 8
                    }
                    if !differs {
                        while length < longest && window[position + length] == window[candidate + length] {
                            length += 1
                        }
                    }
                    symbols[count] = UInt32(truncatingIfNeeded: length &- 3) | UInt32(truncatingIfNeeded: distance) << 8
                    count &+= 1
                    literalCounts[257 &+ Int(lengthSymbols[length &- 3] & 0xFF)] &+= 1
                    distanceCounts[DeflateTables.distanceCode(distance)] &+= 1
                    // The match's last positions, so that the next repeat of what follows is found.
                    let next = position + length
                    var inserted = max(position + 1, next - 2)
                    while inserted < next && inserted <= lastHashed {
                        let next8 = bytes.loadUnaligned(fromByteOffset: inserted, as: UInt64.self)
                        positions[Self.hash(next8)] = Int32(truncatingIfNeeded: inserted + bias)
                        inserted += 1
                    }
                    position = next
                    continue
                }
            }
            let literal = window[position]
            symbols[count] = UInt32(literal)
            count &+= 1
            literalCounts[Int(literal)] &+= 1
            position &+= 1
        }
        writeBlock(from: blockStart, to: end, symbolCount: count, into: &output)
    }

    /// Writes the block of the input `start..<end`, whose symbols are the first `symbolCount`, in
    /// whichever form is smallest.
    private func writeBlock(from start: Int, to end: Int, symbolCount: Int, into output: inout [UInt8]) {
        guard end > start else { return }
        literalCounts[256] = 1
        let literals = HuffmanCode(frequencies: UnsafeBufferPointer(start: literalCounts, count: 286), limit: 15)
        let distances = HuffmanCode(frequencies: UnsafeBufferPointer(start: distanceCounts, count: 30), limit: 15)
        var extraBits = 0
        for code in 0..<29 { extraBits += Int(literalCounts[257 + code]) * Int(DeflateTables.lengthExtraBits[code]) }
        for code in 0..<30 { extraBits += Int(distanceCounts[code]) * DeflateTables.distanceExtraBits(code) }
        let header = DynamicBlockHeader(literals: literals.lengths, distances: distances.lengths)
        let dynamicBits =
            3 + header.bitCount + extraBits
            + literals.cost(UnsafeBufferPointer(start: literalCounts, count: 286))
            + distances.cost(UnsafeBufferPointer(start: distanceCounts, count: 30))
        let fixedBits =
            3 + extraBits
            + DeflateTables.fixedLiterals.cost(UnsafeBufferPointer(start: literalCounts, count: 286))
            + DeflateTables.fixedDistances.cost(UnsafeBufferPointer(start: distanceCounts, count: 30))
        let storedBlocks = (end - start + 65534) / 65535
        let storedBits = (end - start + 5 * storedBlocks) * 8 + 7
        if storedBits < min(dynamicBits, fixedBits) {
            writeStored(from: start, to: end, into: &output)
            return
        }
        let useFixed = fixedBits <= dynamicBits
        let code = useFixed ? (DeflateTables.fixedLiterals, DeflateTables.fixedDistances) : (literals, distances)
        // One entry per literal (0...255) and per match length (256 + length - 3): the code with
        // a length's extra bits above it, and their bit count (value | count << 32).
        for literal in 0..<256 {
            symbolCodes[literal] = UInt64(code.0.codes[literal]) | UInt64(code.0.lengths[literal]) << 32
        }
        for length in 0..<256 {
            let entry = lengthSymbols[length]
            let symbol = 257 + Int(entry & 0xFF)
            let codeBits = Int(code.0.lengths[symbol])
            let extraBits = Int((entry >> 8) & 0xFF)
            symbolCodes[256 + length] =
                (UInt64(code.0.codes[symbol]) | UInt64(entry >> 16) << codeBits) | UInt64(codeBits + extraBits) << 32
        }
        for symbol in 0..<30 {
            distanceCodes[symbol] = UInt32(code.1.codes[symbol]) | UInt32(code.1.lengths[symbol]) << 16
        }
        let symbols = self.symbols
        let symbolCodes = self.symbolCodes
        let distanceCodes = self.distanceCodes
        let distanceBases = self.distanceBases
        let endOfBlock = (UInt64(code.0.codes[256]), Int(code.0.lengths[256]))
        write(into: &output, atMost: min(dynamicBits, fixedBits) / 8 + 16) { writer in
            if useFixed {
                writer.write(0b010, 3)
            } else {
                writer.write(0b100, 3)
                header.write(to: &writer)
            }
            var local = writer
            defer { writer = local }
            local.flushWholeBytes()
            for index in 0..<symbolCount {
                let symbol = symbols[index]
                let distance = Int(symbol >> 8)
                if distance == 0 {
                    let entry = symbolCodes[Int(symbol & 0xFF)]
                    local.writeWide(entry & 0xFFFF_FFFF, Int(entry >> 32))
                    continue
                }
                let first = symbolCodes[256 + Int(symbol & 0xFF)]
                let firstCount = Int(first >> 32)
                let distanceCode = DeflateTables.distanceCode(distance)
                let distanceEntry = distanceCodes[distanceCode]
                let distanceBits = Int(distanceEntry >> 16)
                let extra = UInt64(UInt32(truncatingIfNeeded: distance) &- distanceBases[distanceCode])
                let second = UInt64(distanceEntry & 0xFFFF) | extra << distanceBits
                local.writeWide(
                    (first & 0xFFFF_FFFF) | second << firstCount,
                    firstCount + distanceBits + DeflateTables.distanceExtraBits(distanceCode))
            }
            local.write(endOfBlock.0, endOfBlock.1)
        }
    }

    /// Writes `start..<end` of the window as stored blocks of at most 65,535 bytes.
    private func writeStored(from start: Int, to end: Int, into output: inout [UInt8]) {
        let blocks = (end - start + 65534) / 65535
        let window = self.window
        write(into: &output, atMost: end - start + 5 * blocks + 8) { writer in
            var offset = start
            while offset < end {
                let length = min(65535, end - offset)
                writer.write(0b000, 3)
                writer.alignToByte()
                writer.write(UInt64(length) | UInt64(~UInt16(length)) << 16, 32)
                writer.copy(window + offset, count: length)
                offset += length
            }
        }
    }

    /// Runs `body` with a bit writer over `bound` bytes of room at the end of `output`, carrying
    /// the bits that do not yet make a byte from one call to the next.
    private func write(into output: inout [UInt8], atMost bound: Int, _ body: (inout DeflateBitWriter) -> Void) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound + 8))
        let written = output.withUnsafeMutableBufferPointer { buffer in
            var writer = DeflateBitWriter(
                cursor: buffer.baseAddress! + start, bits: pendingBits, bitCount: pendingBitCount)
            body(&writer)
            writer.flushWholeBytes()
            pendingBits = writer.bits
            pendingBitCount = writer.bitCount
            return writer.cursor - (buffer.baseAddress! + start)
        }
        precondition(written <= bound + 8, "deflate wrote past its bound")
        output.removeLast(bound + 8 - written)
    }
}

/// Packs deflate's bits, lowest first, into bytes at a cursor the caller has made room behind.
struct DeflateBitWriter {
    var cursor: UnsafeMutablePointer<UInt8>
    var bits: UInt64
    var bitCount: Int

    /// Writes the low `count` (at most 32) bits of `value`.
    @inline(__always)
    mutating func write(_ value: UInt64, _ count: Int) {
        bits |= value &<< UInt64(bitCount)
        bitCount &+= count
        if bitCount >= 32 {
            UnsafeMutableRawPointer(cursor).storeBytes(
                of: UInt32(truncatingIfNeeded: bits).littleEndian, as: UInt32.self)
            cursor += 4
            bits &>>= 32
            bitCount &-= 32
        }
    }

    /// Writes the low `count` (at most 56) bits of `value` when fewer than eight bits are held (as
    /// after `flushWholeBytes`, and after this): eight bytes stored whatever the count, and the
    /// cursor moved past the whole ones (the caller leaves eight bytes of room past its bound).
    @inline(__always)
    mutating func writeWide(_ value: UInt64, _ count: Int) {
        bits |= value &<< UInt64(bitCount)
        bitCount &+= count
        UnsafeMutableRawPointer(cursor).storeBytes(of: bits.littleEndian, as: UInt64.self)
        let whole = bitCount &>> 3
        cursor += whole
        bits &>>= UInt64(whole &<< 3)
        bitCount &= 7
    }

    /// Writes out the whole bytes held, keeping fewer than eight bits.
    mutating func flushWholeBytes() {
        while bitCount >= 8 {
            cursor.pointee = UInt8(truncatingIfNeeded: bits)
            cursor += 1
            bits >>= 8
            bitCount -= 8
        }
    }

    /// Pads with zero bits to a byte's end and writes out everything held.
    mutating func alignToByte() {
        bitCount = (bitCount + 7) & ~7
        flushWholeBytes()
    }

    /// Copies raw bytes (after `alignToByte`).
    mutating func copy(_ source: UnsafePointer<UInt8>, count: Int) {
        flushWholeBytes()
        cursor.update(from: source, count: count)
        cursor += count
    }
}
