internal import CZlib

/// Owns one heap-allocated `z_stream` (zlib keeps its address between calls) in deflate or inflate
/// mode, and frees it on deinit. The only place in Frames that touches zlib.
final class ZStream {
    enum Mode { case deflate, inflate }

    let mode: Mode
    private let stream: UnsafeMutablePointer<z_stream>
    /// zlib's output goes here first, then is appended where the caller wants it: one buffer for
    /// the stream's life, not a fresh (zeroed) one per call.
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)

    let level: Int32

    /// A gzip deflater at `level` (0-9), or a gzip inflater.
    init(_ mode: Mode, level: Int32 = 6) throws(GzipError) {
        self.mode = mode
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let result: Int32
        switch mode {
        case .deflate:
            // windowBits 15 + 16: write a gzip header and trailer. memLevel 8 is zlib's default.
            result = stevedore_deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        case .inflate:
            // 15 + 16: expect gzip; concatenated members are handled by `resetForNextMember`.
            result = stevedore_inflateInit2(stream, 15 + 16)
        }
        guard result == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError(
                kind: .zlibFailure, zlibCode: result,
                message: "\(mode == .deflate ? "deflateInit2" : "inflateInit2") failed (level \(level))")
        }
        if mode == .deflate { tuneFastest() }
    }

    /// At level 1, looks for a match once per position (chain 1) and inserts short matches only
    /// (lazy 16, nice 16, good 8), where zlib's level 1 follows up to 4 candidates: faster for
    /// about the same size (docs/performance.md). The output is ordinary deflate; only the
    /// encoder's search changes. zlib forgets the tuning on reset.
    private func tuneFastest() {
        guard level == 1 else { return }
        deflateTune(stream, 8, 16, 16, 1)
    }

    deinit {
        switch mode {
        case .deflate: deflateEnd(stream)
        case .inflate: inflateEnd(stream)
        }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`, appending output to `output`. With `finish`, ends the gzip member; with
    /// `sync`, emits everything compressed so far (a sync flush: a few bytes, no reset).
    func deflate(
        _ input: UnsafeRawBufferPointer, finish: Bool, sync: Bool = false,
        into output: inout [UInt8]
    ) throws(GzipError) {
        var failure: GzipError?
        let flush = finish ? Z_FINISH : (sync ? Z_SYNC_FLUSH : Z_NO_FLUSH)
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let stream = self.stream
        while true {
            let (result, produced) = scratch.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let result = CZlib.deflate(stream, flush)
                return (result, out.count - Int(stream.pointee.avail_out))
            }
            output.append(contentsOf: scratch[0..<produced])
            if result == Z_STREAM_END { break }
            if result != Z_OK && result != Z_BUF_ERROR {
                failure = GzipError(kind: .zlibFailure, zlibCode: result, message: message ?? "deflate failed")
                break
            }
            // Without finish we are done once zlib has taken all input and has room left over.
            if !finish && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { break }
        }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        if let failure { throw failure }
    }

    /// Result of one inflate call.
    struct InflateStep {
        /// Input bytes consumed.
        var consumed: Int
        /// True when a gzip member ended within the consumed input.
        var memberEnded: Bool
    }

    /// Decompresses from `input`, appending output to `output`; stops at the end of a member, or
    /// once `output` holds `maxOutput` bytes (the rest of the input is left unconsumed).
    func inflate(
        _ input: UnsafeRawBufferPointer, into output: inout [UInt8],
        maxOutput: Int = .max
    ) throws(GzipError) -> InflateStep {
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        let stream = self.stream
        while true {
            let (result, produced) = scratch.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let result = CZlib.inflate(stream, Z_NO_FLUSH)
                return (result, out.count - Int(stream.pointee.avail_out))
            }
            output.append(contentsOf: scratch[0..<produced])
            let consumed = input.count - Int(stream.pointee.avail_in)
            switch result {
            case Z_STREAM_END:
                return InflateStep(consumed: consumed, memberEnded: true)
            case Z_OK:
                if (stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0) || output.count >= maxOutput {
                    return InflateStep(consumed: consumed, memberEnded: false)
                }
            case Z_BUF_ERROR:
                // No progress possible: all input used and nothing more to write.
                return InflateStep(consumed: consumed, memberEnded: false)
            case Z_DATA_ERROR, Z_NEED_DICT:
                throw GzipError(kind: .corrupt, zlibCode: result, message: message ?? "invalid data")
            default:
                throw GzipError(kind: .zlibFailure, zlibCode: result, message: message ?? "inflate failed")
            }
        }
    }

    /// Prepares the deflater for a new gzip file, keeping its memory.
    func resetDeflate() throws(GzipError) {
        let result = deflateReset(stream)
        guard result == Z_OK else {
            throw GzipError(kind: .zlibFailure, zlibCode: result, message: "deflateReset failed")
        }
        tuneFastest()
    }

    /// Prepares the inflater for the next gzip member of a concatenated stream.
    func resetForNextMember() throws(GzipError) {
        let result = inflateReset(stream)
        guard result == Z_OK else {
            throw GzipError(kind: .zlibFailure, zlibCode: result, message: "inflateReset failed")
        }
    }

    private var message: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }
}
