import Frames

/// libFuzzer entry for the CSV reader: reads the input in chunks and small batches, in any dialect
/// and encoding, as a load does, and feeds every batch to the staged-CSV encoder. Bad input may throw `FrameError`; any
/// other error or a crash is a bug. A batch that reads and encodes must read back from its staged
/// CSV as the same rows (the staged CSV is what COPY sees), and its binary COPY rows written from
/// its fields must be those written from its staged CSV.
@_cdecl("LLVMFuzzerTestOneInput")
public func csvReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size, controlBytes: 3)
    let chunkSize = input.pick(0, [1, 2, 3, 5, 16, 64, 4096])
    let delimiter = input.pick(1, [",", ";", "\t", "|"].map { UInt8(ascii: $0) })
    let nullMarker = input.pick(2, [NullMarker.emptyField, .backslashN])
    let batchRows = 1 + Int(input.control[2] >> 1) % 8
    // The dialect and encoding from the control bytes' spare bits.
    let escape: UInt8? = input.control[1] & 0x04 == 0 ? nil : UInt8(ascii: "\\")
    let nullText = [nil, "NA", "\\N"][Int(input.control[1] >> 3) % 3]
    let encoding = TextEncoding.allCases[Int(input.control[2] >> 4) % TextEncoding.allCases.count]
    let options = CSVOptions(
        delimiter: delimiter, nullMarker: nullMarker, batchRows: batchRows, batchBytes: 64, escape: escape,
        nullText: nullText, encoding: encoding)
    do {
        let reader = try CSVReader(
            source: MemoryByteSource(input.payload, chunkSize: chunkSize), file: "fuzz.csv",
            options: options)
        var encoder = StagedCSVEncoder(nullMarker: nullMarker)
        while let batch = try reader.next() {
            fuzzCheck(batch.columnNames == reader.columnNames, "a batch's columns differ from the reader's")
            do {
                try encoder.append(batch)
            } catch {
                // A type conflict or a NUL byte is a clear error, not a bug; the load ends there,
                // and so does this input (the encoder may hold part of the batch).
                return 0
            }
            let staged = encoder.takeOutput()
            if nullMarker == .emptyField { checkBinaryRows(batch, staged, formatSeed: Int(input.control[0] >> 3)) }
            let back = try CSVReader(
                source: MemoryByteSource(staged, chunkSize: chunkSize), file: "staged.csv",
                options: CSVOptions(
                    header: .names(batch.columnNames), nullMarker: nullMarker,
                    batchRows: 1 << 20, batchBytes: 1 << 30))
            var rows: [[String?]] = []
            while let again = try back.next() { rows += again.rows }
            fuzzCheck(rows == batch.rows, "staged CSV reads back as \(rows), not \(batch.rows)")
        }
    } catch is FrameError {
    } catch {
        fuzzCheck(false, "an error that is not a FrameError: \(error)")
    }
    return 0
}

/// The binary rows of `batch`'s fields and of its staged CSV, in send formats picked from
/// `formatSeed`, are the same bytes, or both refused.
func checkBinaryRows(_ batch: TextBatch, _ staged: [UInt8], formatSeed: Int) {
    let formats: [PostgresBinaryCopy.Field] = [
        .text, .int8, .numeric, .float8, .date, .timestamptz, .boolean, .bytea, .jsonb, .time, .interval, .int2,
    ]
    let copy = PostgresBinaryCopy(fields: (0..<batch.columnCount).map { formats[(formatSeed + $0) % formats.count] })
    var fromBatch: [UInt8] = []
    var fromCSV: [UInt8] = []
    let batchCount = copy.encode(batch, into: &fromBatch)
    let csvCount = copy.encode(csv: staged, rows: batch.rowCount, into: &fromCSV)
    fuzzCheck(
        batchCount == csvCount && fromBatch.prefix(batchCount ?? 0) == fromCSV.prefix(csvCount ?? 0),
        "binary rows from the batch (\(String(describing: batchCount)) bytes) differ from the staged CSV's "
            + "(\(String(describing: csvCount)))")
}
