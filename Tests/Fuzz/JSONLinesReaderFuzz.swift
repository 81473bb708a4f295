import Frames

/// libFuzzer entry for the JSON Lines reader: reads the input in chunks and small batches and feeds
/// every batch to the staged-CSV encoder. Bad input may throw `FrameError`; any other error or a
/// crash is a bug. Every row of a batch has a value or NULL for every column seen so far.
@_cdecl("LLVMFuzzerTestOneInput")
public func jsonLinesReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size, controlBytes: 2)
    let chunkSize = input.pick(0, [1, 2, 3, 5, 16, 64, 4096])
    let batchRows = 1 + Int(input.control[1]) % 8
    do {
        let reader = JSONLinesReader(
            source: MemoryByteSource(input.payload, chunkSize: chunkSize), file: "fuzz.jsonl",
            batchRows: batchRows, batchBytes: 64)
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        var columns = 0
        while let batch = try reader.next() {
            fuzzCheck(batch.columnCount >= columns, "a batch lost columns: \(batch.columnCount) after \(columns)")
            columns = batch.columnCount
            fuzzCheck(batch.rows.allSatisfy { $0.count == columns }, "a row's width differs from its batch's")
            do {
                try encoder.append(batch)
            } catch {
                return 0  // a type conflict or a NUL byte is a clear error, and the load ends there
            }
            _ = encoder.takeOutput()
        }
    } catch is FrameError {
    } catch {
        fuzzCheck(false, "an error that is not a FrameError: \(error)")
    }
    return 0
}
