import Testing

@testable import Frames

@Suite("frame → staged CSV → gzip → CSV reader → frame")
struct RoundTripTests {
    static func stage(_ frame: Frame, _ marker: NullMarker, batchRows: Int) throws -> (gzip: [UInt8], schema: Schema) {
        var encoder = StagedCSVEncoder(nullMarker: marker)
        let writer = try GzipWriter(level: 1)
        var compressed: [UInt8] = []
        for batch in frame.batches(maxRows: batchRows) {
            try encoder.append(batch)
            try writer.write(encoder.takeOutput())
            compressed += writer.drain()
        }
        _ = try writer.finish()
        compressed += writer.drain()
        return (compressed, encoder.schema)
    }

    @Test("an equal frame comes back, for both NULL markers", arguments: [NullMarker.emptyField, .backslashN])
    func roundTrip(marker: NullMarker) throws {
        let frame = try SampleFrame.make(rows: 3000)
        let (compressed, schema) = try Self.stage(frame, marker, batchRows: 701)
        #expect(schema == frame.schema)
        let reader = try CSVReader(
            source: GzipByteSource(MemoryByteSource(compressed, chunkSize: 4093)),
            options: CSVOptions(header: .names(schema.names), nullMarker: marker, batchRows: 500))
        let back = try reader.readFrame(schema: schema)
        #expect(back.rowCount == frame.rowCount)
        for (original, returned) in zip(frame.columns, back.columns) {
            #expect(original == returned, "column \(original.name)")
        }
        #expect(back == frame)
    }

    @Test("re-inferring the staged text gives the declared types where text can tell them")
    func reinference() throws {
        let frame = try SampleFrame.make(rows: 3000)
        var first = StagedCSVEncoder(nullMarker: .emptyField)
        try first.append(frame)
        let reader = try CSVReader(
            source: MemoryByteSource(first.takeOutput()),
            options: CSVOptions(header: .names(frame.schema.names)))
        var second = StagedCSVEncoder(nullMarker: .emptyField)
        while let batch = try reader.next() { try second.append(batch) }
        let inferred = Dictionary(uniqueKeysWithValues: second.schema.fields.map { ($0.name, $0.type) })
        #expect(inferred["id"] == .smallint)
        #expect(inferred["flag"] == .boolean)
        #expect(inferred["small"] == .smallint)
        #expect(inferred["medium"] == .integer)
        #expect(inferred["big"] == .bigint)
        #expect(inferred["amount"] == .decimal(precision: 38, scale: 6))
        #expect(inferred["label"] == .text)
        #expect(inferred["day"] == .date)
        #expect(inferred["at"] == .timestamp)
        #expect(inferred["at_utc"] == .timestamptz)
        #expect(inferred["doc"] == .text)
        #expect(second.schema.fields.map(\.isNullable) == frame.schema.fields.map(\.isNullable))
        #expect(
            second.inference["label"]?.maxByteLength
                == frame["label"]?.values
                .compactMap { $0?.description.utf8.count }.max())
    }
}
