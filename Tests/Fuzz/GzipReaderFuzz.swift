import Frames

/// libFuzzer entry for the gzip reader: decompresses the input in one piece and in small chunks.
/// Both ways must agree (same bytes, or both fail); any error other than `GzipError` or a crash is
/// a bug. What decompresses must survive `Gzip.compress` and decompress again unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func gzipReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size, controlBytes: 1)
    let chunkSize = input.pick(0, [1, 2, 7, 64, 1000])
    let whole = decompress(input.payload, chunkSize: input.payload.count)
    let chunked = decompress(input.payload, chunkSize: chunkSize)
    switch (whole, chunked) {
    case (.success(let a), .success(let b)):
        fuzzCheck(a == b, "chunks of \(chunkSize) bytes decompress to \(b.count) bytes, not \(a.count)")
        let again = try? Gzip.decompress(Gzip.compress(a))
        fuzzCheck(again == a, "compressing and decompressing \(a.count) bytes changed them")
    case (.failure, .failure):
        break
    default:
        fuzzCheck(false, "whole \(whole) but chunks of \(chunkSize): \(chunked)")
    }
    return 0
}

private func decompress(_ bytes: [UInt8], chunkSize: Int) -> Result<[UInt8], GzipError> {
    do {
        let reader = try GzipReader()
        var output: [UInt8] = []
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + max(1, chunkSize))
            output += try reader.read(Array(bytes[offset..<end]))
            while reader.hasPendingInput { output += try reader.read([]) }
            offset = end
        } while offset < bytes.count
        try reader.finish()
        return .success(output)
    } catch let error as GzipError {
        return .failure(error)
    } catch {
        fuzzCheck(false, "an error that is not a GzipError: \(error)")
        return .success([])
    }
}
