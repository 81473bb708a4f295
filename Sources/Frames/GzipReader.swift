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

    /// The most output one `read` returns; the rest waits in `pendingInput` for the next call, so
    /// a highly compressed chunk cannot blow up memory.
    public static let maximumOutput = 1 << 20
    /// Compressed bytes handed over and not yet decompressed.
    private var pending: [UInt8] = []
    private var pendingOffset = 0

    /// True while bytes handed to `read` wait to be decompressed: call `read([])` to continue.
    public var hasPendingInput: Bool { pendingOffset < pending.count }

    /// Decompresses `bytes` (after any pending input), returning at most about `maximumOutput`
    /// bytes of output; call again (with `[]` if need be) while `hasPendingInput`.
    public func read(_ bytes: [UInt8]) throws -> [UInt8] {
        if hasPendingInput {
            pending.removeFirst(pendingOffset)
            pending += bytes
        } else {
            pending = bytes
        }
        pendingOffset = 0
        var output: [UInt8] = []
        while pendingOffset < pending.count && output.count < Self.maximumOutput {
            if !inMember {
                if sawAnyInput {
                    try stream.resetForNextMember()
                }
                inMember = true
                sawAnyInput = true
            }
            let step: ZStream.InflateStep
            do {
                let start = pendingOffset
                step = try pending.withUnsafeBytes { buffer throws in
                    try stream.inflate(
                        UnsafeRawBufferPointer(rebasing: buffer[start...]), into: &output,
                        maxOutput: Self.maximumOutput)
                }
            } catch var error as GzipError {
                error.offset = compressedByteCount
                throw error
            } catch {
                throw GzipError(kind: .zlibFailure, message: "\(error)", offset: compressedByteCount)
            }
            pendingOffset += step.consumed
            compressedByteCount += step.consumed
            if step.memberEnded {
                inMember = false
            } else if step.consumed == 0 && output.count < Self.maximumOutput {
                break
            }
        }
        if !hasPendingInput {
            pending = []
            pendingOffset = 0
        }
        return output
    }

    /// Confirms the input ended on a member boundary.
    public func finish() throws {
        if hasPendingInput {
            throw GzipError(
                kind: .zlibFailure, message: "finish() called with input still pending; read([]) first",
                offset: compressedByteCount)
        }
        if !sawAnyInput {
            throw GzipError(kind: .truncated, message: "no gzip data", offset: 0)
        }
        if inMember {
            throw GzipError(
                kind: .truncated, message: "input ended inside a gzip member",
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
        var output = try reader.read(bytes)
        while reader.hasPendingInput {
            output += try reader.read([])
        }
        try reader.finish()
        return output
    }
}
