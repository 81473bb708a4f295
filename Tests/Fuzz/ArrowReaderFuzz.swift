import Frames

/// libFuzzer entry for the Arrow IPC reader: reads the input as a stream or a file (in order), in
/// chunks of a size the input's length picks, and feeds every batch to the staged-CSV encoder, as
/// a load does. Bad input may throw `FrameError`; any other error or a crash is a bug. A batch
/// never holds more rows than the reader's limit, nor declares other types than its schema's.
/// Reading stops after 2 MiB of staged CSV: a dictionary or a view may repeat a long value for each
/// row (as real writers do for repeated strings), so the output may be far larger than the input;
/// memory stays one batch, but the time is the output's.
@_cdecl("LLVMFuzzerTestOneInput")
public func arrowReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // No control bytes: the seeds are real Arrow files, which must stay intact at the front.
    let input = FuzzInput(data, size, controlBytes: 0)
    let chunkSize = [1, 3, 8, 64, 4096, 1 << 20][size % 6]
    let options = ArrowReader.Options(batchRows: 1 + size % 5, batchBytes: 256)
    do {
        let reader = try ArrowReader(
            source: MemoryByteSource(input.payload, chunkSize: chunkSize), name: "fuzz.arrows", options: options)
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        var staged = 0
        while staged < 2 << 20, let batch = try reader.next() {
            fuzzCheck(batch.rowCount <= options.batchRows, "a batch of \(batch.rowCount) rows")
            fuzzCheck(batch.declaredTypes == reader.declaredTypes, "a batch declares other types")
            do {
                try encoder.append(batch)
            } catch {
                return 0
            }
            staged += encoder.takeOutput().count
        }
    } catch is FrameError {
    } catch {
        fuzzCheck(false, "an error that is not a FrameError: \(error)")
    }
    return 0
}
