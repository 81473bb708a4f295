import Foundation
import Testing

@testable import Frames

@Suite("CSV reader")
struct CSVReaderTests {
    static func readAll(
        _ text: String, chunkSize: Int = 1 << 20,
        options: CSVOptions = CSVOptions()
    ) throws -> (names: [String], rows: [[String?]], lines: [Int]) {
        let reader = try CSVReader(source: MemoryByteSource(Array(text.utf8), chunkSize: chunkSize), options: options)
        var rows: [[String?]] = []
        var lines: [Int] = []
        while let batch = try reader.next() {
            rows += batch.rows
            lines += (0..<batch.rowCount).map { batch.line(ofRow: $0) }
        }
        return (reader.columnNames, rows, lines)
    }

    static let sample =
        "\u{FEFF}id,name,note\r\n1,\"a, \"\"quoted\"\"\nname\",\r\n2,\"\",plain\n3,,\"x\"\r\n4,ü🚀,\"\"\"\"\n"

    @Test(
        "quotes, delimiters and newlines inside fields, CRLF and LF, BOM, NULL versus empty",
        arguments: [1, 2, 3, 7, 64, 1 << 20])
    func semantics(chunkSize: Int) throws {
        let result = try Self.readAll(Self.sample, chunkSize: chunkSize)
        #expect(result.names == ["id", "name", "note"])
        #expect(
            result.rows == [
                ["1", "a, \"quoted\"\nname", nil],
                ["2", "", "plain"],
                ["3", nil, "x"],
                ["4", "ü🚀", "\""],
            ])
        #expect(result.lines == [2, 4, 5, 6])
    }

    @Test("a last row without a line end, a trailing delimiter, bare CR line ends")
    func lineEnds() throws {
        #expect(try Self.readAll("a,b\n1,2").rows == [["1", "2"]])
        #expect(try Self.readAll("a,b\n1,\n").rows == [["1", nil]])
        #expect(try Self.readAll("a,b\n1,").rows == [["1", nil]])
        let bareCR = try Self.readAll("a,b\r1,2\r3,4")
        #expect(bareCR.rows == [["1", "2"], ["3", "4"]])
        #expect(bareCR.lines == [2, 3])
        #expect(try Self.readAll("a\n\n\n").rows == [[nil], [nil]])
        // Empty input is refused: even a table meant to be emptied has a header.
        let empty = try #require(throws: FrameError.self) { try Self.readAll("") }
        #expect(empty.kind == .emptyInput)
        #expect(empty.line == 1)
        #expect(try Self.readAll("a,b\n").rows.isEmpty)
    }

    @Test("a non-ASCII byte anywhere in a long unquoted field is checked", arguments: 0..<20)
    func highBytesInLongFields(position: Int) throws {
        let prefix = Array("id,name,note\n1,".utf8) + Array(repeating: UInt8(ascii: "a"), count: position)
        let suffix = Array(repeating: UInt8(ascii: "b"), count: 20 - position) + Array(",x\n".utf8)
        let bad = try #require(throws: FrameError.self) {
            let reader = try CSVReader(source: MemoryByteSource(prefix + [0xFF] + suffix))
            while try reader.next() != nil {}
        }
        #expect(bad.kind == .invalidUTF8)
        #expect(bad.line == 2)
        #expect(bad.column == 2)
        let good = try CSVReader(source: MemoryByteSource(prefix + Array("é".utf8) + suffix))
        let rows = try #require(try good.next()).rows
        #expect(
            rows[0][1] == String(repeating: "a", count: position) + "é" + String(repeating: "b", count: 20 - position))
    }

    @Test("another delimiter, and names given instead of a header row")
    func delimiterAndNames() throws {
        let options = CSVOptions(delimiter: UInt8(ascii: "\t"), header: .names(["x", "y"]))
        let result = try Self.readAll("1\ta,b\n2\t\"t\tab\"\n", options: options)
        #expect(result.names == ["x", "y"])
        #expect(result.rows == [["1", "a,b"], ["2", "t\tab"]])
        #expect(result.lines == [1, 2])
    }

    @Test("batches are bounded by rows and by bytes and hold whole rows")
    func batchBounds() throws {
        var text = "id,payload\n"
        for id in 0..<1000 { text += "\(id),\"\(String(repeating: "x", count: id % 50))\n\"\n" }
        let reader = try CSVReader(
            source: MemoryByteSource(Array(text.utf8), chunkSize: 333),
            options: CSVOptions(batchRows: 64, batchBytes: 1000))
        var sizes: [Int] = []
        var ids: [String] = []
        while let batch = try reader.next() {
            #expect(batch.rowCount <= 64)
            #expect(batch.byteCount < 1000 + 60)
            sizes.append(batch.rowCount)
            ids += (0..<batch.rowCount).compactMap { batch.string(row: $0, column: 0) }
        }
        #expect(ids == (0..<1000).map(String.init))
        #expect(sizes.count > 1000 / 64)
    }

    @Test("a gzip file is read through the path's .gz name, a plain one directly")
    func gzipFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("in.csv").path
        let gzipped = directory.appendingPathComponent("in.csv.gz").path
        try Data(Self.sample.utf8).write(to: URL(fileURLWithPath: plain))
        let half = Self.sample.utf8.count / 2
        let bytes = Array(Self.sample.utf8)
        try Data(try Gzip.compress(Array(bytes[..<half])) + Gzip.compress(Array(bytes[half...])))
            .write(to: URL(fileURLWithPath: gzipped))
        for path in [plain, gzipped] {
            let reader = try CSVReader(path: path)
            let batch = try #require(try reader.next())
            #expect(batch.rows.count == 4)
            #expect(batch.string(row: 3, column: 1) == "ü🚀")
            #expect(try reader.next() == nil)
        }
        let missing = #expect(throws: FrameError.self) {
            try CSVReader(path: directory.appendingPathComponent("none").path)
        }
        #expect(missing?.kind == .io)
    }

    @Test("a schema types the rows; a field that is not of its type names line, column and value")
    func typedRead() throws {
        let schema = Schema([.init(name: "id", type: .integer, isNullable: false), .init(name: "day", type: .date)])
        let reader = try CSVReader(source: MemoryByteSource(Array("id,day\n1,2026-01-02\n2,\n".utf8)))
        let frame = try reader.readFrame(schema: schema)
        #expect(
            frame == (try Frame(columns: [.integer("id", [1, 2]), .date("day", [CivilDate("2026-01-02"), nil])])))
        let bad = try CSVReader(
            source: MemoryByteSource(Array("id,day\n1,2026-01-02\n2,\"2026-02-30\"\n".utf8)),
            file: "days.csv")
        let error = try #require(throws: FrameError.self) { try bad.readFrame(schema: schema) }
        #expect(error.kind == .valueDoesNotFit(.date))
        #expect(error.file == "days.csv")
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.value == "2026-02-30")
        #expect(error.description == "days.csv:3:2: value is not a date (column \"day\"): \"2026-02-30\"")
    }

    @Test(
        "a delimiter that cannot work is an invalidOptions error, not a crash",
        arguments: [
            UInt8(ascii: "\""), 0x0A, 0x0D, 0xC3,
        ])
    func invalidDelimiter(delimiter: UInt8) {
        let error = #expect(throws: FrameError.self) {
            try CSVReader(source: MemoryByteSource(Array("a,b\n".utf8)), options: CSVOptions(delimiter: delimiter))
        }
        #expect(error?.kind == .invalidOptions)
    }
}
