import Blocking
import Digest
import Foundation
import Testing

@testable import Frames

/// Level 1's own deflate, read back by zlib's inflate and by the `gzip` program's. The compressions
/// run on the blocking pool: in a debug build they would hold cooperative threads for seconds.
@Suite("Stevedore's deflate (gzip level 1)", .serialized)
struct DeflateEncoderTests {
    /// A gzip file a writer made, and the writer's summary of it.
    struct Compressed: Sendable {
        var bytes: [UInt8]
        var summary: GzipSummary
    }

    /// Compresses `input` with `writer` (level 1 when nil), written in pieces of `piece` bytes.
    static func compress(_ input: [UInt8], piece: Int, writer: GzipWriter? = nil) throws -> Compressed {
        let writer = try writer ?? GzipWriter(level: 1)
        var compressed: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(offset + piece, input.count)
            try writer.write(Array(input[offset..<end]))
            compressed += writer.drain()
            offset = end
        }
        let summary = try writer.finish()
        compressed += writer.drain()
        return Compressed(bytes: compressed, summary: summary)
    }

    /// The summary's counts and hash are the file's.
    static func check(_ compressed: Compressed) {
        #expect(compressed.summary.compressedByteCount == compressed.bytes.count)
        #expect(compressed.summary.sha256 == SHA256.hash(compressed.bytes))
    }

    /// `body`'s result, computed on the blocking pool.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingPool.shared.run(body)
    }

    /// Bytes from a fixed seed, each drawn from `alphabet` with the given weights.
    static func drawn(_ count: Int, weights: [Int], seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        let total = weights.reduce(0, +)
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var pick = Int((state >> 33) % UInt64(total))
            for (symbol, weight) in weights.enumerated() {
                if pick < weight { return UInt8(symbol) }
                pick -= weight
            }
            return 0
        }
    }

    static let inputs: [(String, [UInt8])] = [
        ("empty", []),
        ("one byte", [7]),
        ("four bytes", Array("abcd".utf8)),
        ("nine bytes", Array("abcabcabc".utf8)),
        ("zeros", [UInt8](repeating: 0, count: 600_000)),
        ("random", drawn(400_000, weights: [Int](repeating: 1, count: 256))),
        // Fibonacci weights make a Huffman tree deeper than deflate's 15 bits.
        ("skewed", drawn(300_000, weights: fibonacci(27))),
        ("CSV", GzipTests.sampleText(bytes: 1_200_000)),
    ]

    /// Fibonacci numbers, held at 2^26 once they reach it.
    static func fibonacci(_ count: Int) -> [Int] {
        var values = [1, 1]
        while values.count < count { values.append(min(values[values.count - 1] + values[values.count - 2], 1 << 26)) }
        return values
    }

    @Test(
        "every input, written in pieces of any size, inflates to itself with zlib",
        arguments: inputs.indices, [1, 4_099, 65_536, 300_001, 2_000_000])
    func roundTrip(input index: Int, piece: Int) async throws {
        let (name, input) = Self.inputs[index]
        guard piece > 1 || input.count <= 20_000 else { return }
        let (compressed, back) = try await Self.offThePool {
            let compressed = try Self.compress(input, piece: piece)
            return (compressed, try Gzip.decompress(compressed.bytes))
        }
        Self.check(compressed)
        #expect(back == input, "\(name) in pieces of \(piece)")
    }

    @Test("the gzip program reads what level 1 writes")
    func gzipProgramReadsIt() async throws {
        let input = GzipTests.sampleText(bytes: 800_000) + Self.drawn(200_000, weights: Self.fibonacci(27))
        let compressed = try await Self.offThePool { try Self.compress(input, piece: 262_144) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deflate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("part.csv.gz")
        try Data(compressed.bytes).write(to: file)
        let statuses = try await Self.offThePool { () throws -> [Int32] in
            try [["-t", file.path], ["-d", file.path]].map { arguments in
                let gzip = Process()
                gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
                gzip.arguments = arguments
                try gzip.run()
                gzip.waitUntilExit()
                return gzip.terminationStatus
            }
        }
        #expect(statuses == [0, 0])
        #expect(try [UInt8](Data(contentsOf: folder.appendingPathComponent("part.csv"))) == input)
    }

    @Test("CSV compresses within 6% of zlib's level 1; random bytes go stored, barely larger")
    func sizes() async throws {
        let csv = GzipTests.sampleText(bytes: 1_500_000)
        let random = Self.drawn(400_000, weights: [Int](repeating: 1, count: 256))
        let (ours, zlib, stored) = try await Self.offThePool {
            (
                try Self.compress(csv, piece: 262_144).bytes,
                try Self.compress(csv, piece: 262_144, writer: GzipWriter(level: 1, usingZlib: true)).bytes,
                try Self.compress(random, piece: 262_144).bytes
            )
        }
        #expect(Double(ours.count) <= Double(zlib.count) * 1.06)
        #expect(ours.count < csv.count / 4)
        // Header and trailer, and five bytes per stored block: a block holds at most 32,767 symbols.
        #expect(stored.count <= random.count + 18 + 5 * (random.count / 32_767 + 4))
    }

    @Test("matches across many window slides, with the table's positions rebased along the way")
    func rebase() async throws {
        let input = GzipTests.sampleText(bytes: 2_500_000)
        let (raw, back) = try await Self.offThePool {
            let encoder = DeflateEncoder(rebasingAfter: 1 << 19)
            var raw: [UInt8] = []
            for piece in stride(from: 0, to: input.count, by: 100_003) {
                let slice = Array(input[piece..<min(piece + 100_003, input.count)])
                slice.withUnsafeBytes { encoder.compress($0, into: &raw) }
            }
            encoder.finish(into: &raw)
            var crc = CRC32()
            crc.update(input)
            var file: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 3] + raw
            for value in [crc.value, UInt32(input.count)] { withUnsafeBytes(of: value.littleEndian) { file += $0 } }
            return (raw, try Gzip.decompress(file))
        }
        #expect(back == input)
        #expect(raw.count < input.count / 4)
    }

    @Test("a restarted writer begins a new file that stands alone")
    func restart() async throws {
        let first = GzipTests.sampleText(bytes: 400_000)
        let second = Array(first.reversed())
        let (firstFile, secondFile) = try await Self.offThePool {
            let writer = try GzipWriter(level: 1)
            let firstFile = try Self.compress(first, piece: 70_001, writer: writer)
            try writer.restart()
            return (firstFile, try Self.compress(second, piece: 70_001, writer: writer))
        }
        Self.check(firstFile)
        Self.check(secondFile)
        #expect(try Gzip.decompress(firstFile.bytes) == first)
        #expect(try Gzip.decompress(secondFile.bytes) == second)
    }
}

@Suite("Huffman codes within deflate's limits")
struct HuffmanCodeTests {
    /// Kraft's sum of `lengths` in units of 2^-limit: a complete code has exactly 2^limit.
    static func kraft(_ lengths: [UInt8], limit: Int) -> Int {
        lengths.filter { $0 > 0 }.reduce(0) { $0 + (1 << (limit - Int($1))) }
    }

    @Test("deep trees are cut to the limit and stay complete", arguments: [(40, 15), (19, 7), (286, 15), (30, 15)])
    func limited(symbols: Int, limit: Int) {
        let frequencies = DeflateEncoderTests.fibonacci(symbols).map { UInt32($0) }
        let code = frequencies.withUnsafeBufferPointer { HuffmanCode(frequencies: $0, limit: limit) }
        #expect(code.lengths.allSatisfy { $0 >= 1 && Int($0) <= limit })
        #expect(Self.kraft(code.lengths, limit: limit) == 1 << limit)
        // The most frequent symbol has the shortest code.
        #expect(code.lengths.last == code.lengths.min())
    }

    @Test("one symbol or none still makes a complete code of two")
    func fewSymbols() {
        for frequencies: [UInt32] in [[0, 0, 5, 0], [0, 0, 0, 0], [UInt32](repeating: 0, count: 30)] {
            let code = frequencies.withUnsafeBufferPointer { HuffmanCode(frequencies: $0, limit: 15) }
            #expect(code.lengths.filter { $0 > 0 }.count == 2)
            #expect(Self.kraft(code.lengths, limit: 15) == 1 << 15)
            #expect(code.lengths[frequencies.firstIndex(of: frequencies.max()!)!] == 1)
        }
    }

    @Test("canonical codes are RFC 1951's, bit-reversed")
    func canonical() {
        // RFC 1951 3.2.2's example: lengths (3, 3, 3, 3, 3, 2, 4, 4) give 010 011 100 101 110 00 1110 1111.
        let code = HuffmanCode(lengths: [3, 3, 3, 3, 3, 2, 4, 4], limit: 15)
        let expected: [(UInt16, Int)] = [
            (0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3), (0b00, 2), (0b1110, 4), (0b1111, 4),
        ]
        for (symbol, (bits, length)) in expected.enumerated() {
            var reversed: UInt16 = 0
            for bit in 0..<length where bits & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            #expect(code.codes[symbol] == reversed, "symbol \(symbol)")
        }
    }
}
