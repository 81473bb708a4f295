import Testing

@testable import Frames

@Suite("JSON Lines reader")
struct JSONLinesReaderTests {
    static let sample = """
        {"id": 1, "name": "a\\"b\\u00e9\\ud83d\\ude80", "score": 1.5, "ok": true, "tags": ["x", {"y": null}]}
        {"id": 2, "extra": {"k": [1, 2]}, "name": null}

        {"ok": false, "id": 12345678901234567890, "score": -2e-3}\r
        {"id": 4}
        """

    @Test(
        "keys become columns in first-seen order; absent keys and null are NULL; nested values are JSON text",
        arguments: [1, 5, 1 << 20])
    func columnsAndValues(chunkSize: Int) throws {
        let reader = JSONLinesReader(
            source: MemoryByteSource(Array(Self.sample.utf8), chunkSize: chunkSize), batchRows: 3)
        var batches: [TextBatch] = []
        while let batch = try reader.next() { batches.append(batch) }
        #expect(
            batches.map(\.columnNames) == [
                ["id", "name", "score", "ok", "tags", "extra"],
                ["id", "name", "score", "ok", "tags", "extra"],
            ])
        #expect(
            batches.flatMap(\.rows) == [
                ["1", "a\"bé🚀", "1.5", "true", "[\"x\", {\"y\": null}]", nil],
                ["2", nil, nil, nil, nil, "{\"k\": [1, 2]}"],
                ["12345678901234567890", nil, "-2e-3", "false", nil, nil],
                ["4", nil, nil, nil, nil, nil],
            ])
        #expect(batches.flatMap { batch in (0..<batch.rowCount).map { batch.line(ofRow: $0) } } == [1, 2, 4, 5])
    }

    @Test("the staged encoder infers types from JSON values")
    func inference() throws {
        let reader = JSONLinesReader(source: MemoryByteSource(Array(Self.sample.utf8)))
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        while let batch = try reader.next() { try encoder.append(batch) }
        let types = encoder.schema.fields.map(\.type)
        #expect(types == [.decimal(precision: 20, scale: 0), .text, .double, .boolean, .json, .json])
        #expect(encoder.schema.fields.map(\.isNullable) == [false, true, true, true, true, true])
    }

    @Test("a later key grows the columns; earlier batches keep their narrower list")
    func growingKeys() throws {
        let reader = JSONLinesReader(source: MemoryByteSource(Array("{\"a\": 1}\n{\"b\": 2}\n".utf8)), batchRows: 1)
        #expect(try reader.next()?.rows == [["1"]])
        let second = try #require(try reader.next())
        #expect(second.columnNames == ["a", "b"])
        #expect(second.rows == [[nil, "2"]])
        #expect(try reader.next() == nil)
    }
}
