/// Decompresses gzip data fed in pieces, including files of several concatenated gzip members
/// (as `cat a.gz b.gz` makes). Corrupt or truncated input is a `GzipError`.
public final class GzipReader {
    private var stream: ZStream
    /// True while inside a member: between its first byte and its trailer.
    private var inMember = false
    private var sawAnyInput = false
    /// Compressed bytes consumed so far, for error offsets.
    public private(set) var compressedByteCount = 0

    public init() throws {
        stream = try ZStream(.inflate)
    }

    /// Decompresses `bytes`, returning the uncompressed output they complete.
    public func read(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var position = 0
        while position < bytes.count {
            if !inMember {
                if sawAnyInput {
                    try stream.resetForNextMember()
                }
                inMember = true
                sawAnyInput = true
            }
            let step: ZStream.InflateStep
            do {
                step = try bytes.withUnsafeBytes { buffer throws in
                    try stream.inflate(UnsafeRawBufferPointer(rebasing: buffer[position...]), into: &output)
                }
            } catch var error as GzipError {
                error.offset = compressedByteCount
                throw error
            } catch {
                throw GzipError(kind: .zlibFailure, message: "\(error)", offset: compressedByteCount)
            }
            position += step.consumed
            compressedByteCount += step.consumed
            if step.memberEnded {
                inMember = false
            } else if step.consumed == 0 {
                break
            }
        }
        return output
    }

    /// Confirms the input ended on a member boundary.
    public func finish() throws {
        if !sawAnyInput {
            throw GzipError(kind: .truncated, message: "no gzip data", offset: 0)
        }
        if inMember {
            throw GzipError(kind: .truncated, message: "input ended inside a gzip member",
                            offset: compressedByteCount)
        }
    }
}

/// One-call gzip for small payloads and tests; streams use `GzipWriter` and `GzipReader`.
public enum Gzip {
    /// `bytes` as one gzip file.
    public static func compress(_ bytes: [UInt8], level: Int = GzipWriter.defaultLevel) throws -> [UInt8] {
        let writer = try GzipWriter(level: level)
        try writer.write(bytes)
        _ = try writer.finish()
        return writer.drain()
    }

    /// The uncompressed content of a gzip file (all its members).
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        let reader = try GzipReader()
        let output = try reader.read(bytes)
        try reader.finish()
        return output
    }
}
