import Frames

/// libFuzzer entry for level 1's own deflate: the input, written in pieces of a size the first
/// control byte picks and repeated as many times as the second says (so matches reach back across
/// pieces and window slides), must inflate with zlib to exactly itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func deflateEncoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size, controlBytes: 2)
    let piece = input.pick(0, [1, 3, 64, 4_099, 65_536, 300_000])
    let repeats = input.pick(1, [1, 2, 17, 200])
    let whole = Array([[UInt8]](repeating: input.payload, count: repeats).joined())
    do {
        let writer = try GzipWriter(level: 1)
        var compressed: [UInt8] = []
        var offset = 0
        while offset < whole.count {
            let end = min(offset + piece, whole.count)
            try writer.write(Array(whole[offset..<end]))
            compressed += writer.drain()
            offset = end
        }
        _ = try writer.finish()
        compressed += writer.drain()
        let back = try Gzip.decompress(compressed)
        fuzzCheck(back == whole, "\(whole.count) bytes in pieces of \(piece) inflate to \(back.count) other bytes")
    } catch {
        fuzzCheck(false, "\(whole.count) bytes in pieces of \(piece): \(error)")
    }
    return 0
}
