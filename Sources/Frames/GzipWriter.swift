import Digest

/// Compresses a byte stream into one gzip file (one member), keeping the counts and the SHA-256 of
/// the compressed bytes that an upload needs to sign its body. One file at a time: `restart` begins
/// the next.
public final class GzipWriter {
    /// The level staging uses: the fastest, Stevedore's own deflate (docs/performance.md, "Defaults
    /// and why").
    public static let defaultLevel = 1

    /// The compression level (0 = stored, 1 = fastest, 9 = smallest).
    public let level: Int
    private let engine: Engine
    /// The gzip trailer's CRC-32 of the input, when `engine` writes the gzip framing itself.
    private var crc = CRC32()
    private var headerWritten = false
    private var output: [UInt8] = []
    private var hash = StreamingHash(.sha256)
    private var finished = false
    /// Uncompressed bytes written so far.
    public private(set) var uncompressedByteCount = 0
    /// Compressed bytes produced so far (drained or not).
    public private(set) var compressedByteCount = 0

    public convenience init(level: Int = GzipWriter.defaultLevel) throws {
        try self.init(level: level, usingZlib: false)
    }

    /// A writer whose level 1 is zlib's too (for measuring one against the other).
    package init(level: Int, usingZlib: Bool) throws {
        guard (0...9).contains(level) else {
            throw GzipError(kind: .zlibFailure, message: "gzip level must be 0...9, got \(level)")
        }
        self.level = level
        engine =
            level == 1 && !usingZlib ? .fastest(DeflateEncoder()) : .zlib(try ZStream(.deflate, level: Int32(level)))
    }

    /// Level 1 is Stevedore's own deflate (`DeflateEncoder`), the other levels zlib's.
    private enum Engine {
        case zlib(ZStream)
        case fastest(DeflateEncoder)
    }

    /// gzip's member header (RFC 1952): deflate, no name, no time, "fastest" (XFL 4), Unix.
    private static let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 3]

    /// Starts a new gzip file, reusing the compressor's memory, with `buffer` (emptied, its
    /// capacity kept) to collect the compressed bytes: a writer per part costs no allocation.
    public func restart(output buffer: consuming [UInt8] = []) throws {
        switch engine {
        case .zlib(let stream): try stream.resetDeflate()
        case .fastest(let encoder): encoder.reset()
        }
        crc = CRC32()
        headerWritten = false
        buffer.removeAll(keepingCapacity: true)
        output = buffer
        hash = StreamingHash(.sha256)
        finished = false
        uncompressedByteCount = 0
        compressedByteCount = 0
    }

    /// Compresses `bytes`; the output becomes available through `drain()`.
    public func write(_ bytes: [UInt8]) throws {
        precondition(!finished, "GzipWriter written after finish()")
        uncompressedByteCount += bytes.count
        let before = output.count
        try bytes.withUnsafeBytes { buffer throws in
            switch engine {
            case .zlib(let stream):
                try stream.deflate(buffer, finish: false, into: &output)
            case .fastest(let encoder):
                writeHeader()
                crc.update(buffer)
                encoder.compress(buffer, into: &output)
            }
        }
        account(from: before)
    }

    private func writeHeader() {
        guard !headerWritten else { return }
        headerWritten = true
        output.append(contentsOf: Self.header)
    }

    /// Makes zlib emit what it holds back, so `compressedByteCount` is the true size so far (zlib
    /// may otherwise keep a whole block of highly compressible input). Costs a few bytes; call it
    /// when the size matters (deciding to end a part), not after every write.
    public func flush() throws {
        precondition(!finished, "GzipWriter flushed after finish()")
        // The fastest engine holds back nothing but the last byte's bits.
        guard case .zlib(let stream) = engine else { return }
        let before = output.count
        try stream.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: false, sync: true, into: &output)
        account(from: before)
    }

    /// Ends the gzip member (writes the trailer) and returns what the file is.
    public func finish() throws -> GzipSummary {
        precondition(!finished, "GzipWriter finished twice")
        finished = true
        let before = output.count
        switch engine {
        case .zlib(let stream):
            try stream.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &output)
        case .fastest(let encoder):
            writeHeader()
            encoder.finish(into: &output)
            for value in [crc.value, UInt32(truncatingIfNeeded: uncompressedByteCount)] {
                withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
            }
        }
        account(from: before)
        return GzipSummary(
            uncompressedByteCount: uncompressedByteCount,
            compressedByteCount: compressedByteCount,
            sha256: hash.finalize())
    }

    /// Takes the compressed bytes produced since the last call (moved out, not copied).
    public func drain() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &output)
        return taken
    }

    private func account(from start: Int) {
        let produced = output.count - start
        guard produced > 0 else { return }
        compressedByteCount += produced
        output.withUnsafeBytes { buffer in
            hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }
}

/// What a finished gzip file holds: its sizes and the SHA-256 of its compressed bytes.
public struct GzipSummary: Sendable, Hashable {
    public var uncompressedByteCount: Int
    public var compressedByteCount: Int
    /// SHA-256 of the compressed bytes, as SigV4 signs an upload of them.
    public var sha256: HashDigest
}
