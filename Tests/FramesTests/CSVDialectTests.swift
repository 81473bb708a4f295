import Foundation
import Testing

@testable import Frames

/// The dialect options of `CSVOptions`: delimiter, quote, escape, NULL marker, header names.
@Suite("CSV dialects")
struct CSVDialectTests {
    static func read(_ text: String, _ options: CSVOptions, chunkSize: Int = 1 << 20) throws -> CSVReaderResult {
        let reader = try CSVReader(
            source: MemoryByteSource(Array(text.utf8), chunkSize: chunkSize), file: "in.csv", options: options)
        var rows: [[String?]] = []
        var lines: [Int] = []
        while let batch = try reader.next() {
            rows += batch.rows
            lines += (0..<batch.rowCount).map { batch.line(ofRow: $0) }
        }
        return CSVReaderResult(names: reader.columnNames, rows: rows, lines: lines)
    }

    struct CSVReaderResult {
        var names: [String]
        var rows: [[String?]]
        var lines: [Int]
    }

    @Test("a semicolon export with decimal commas, as LibreOffice and Excel in Europe write it", arguments: [1, 3, 64])
    func semicolons(chunkSize: Int) throws {
        let text = "id;name;amount\r\n1;\"Müller; Söhne\";1234,56\r\n2;;0,5\r\n"
        let result = try Self.read(text, CSVOptions(delimiter: UInt8(ascii: ";")), chunkSize: chunkSize)
        #expect(result.names == ["id", "name", "amount"])
        #expect(result.rows == [["1", "Müller; Söhne", "1234,56"], ["2", nil, "0,5"]])
    }

    @Test("another quote character: single quotes, doubled inside", arguments: [1, 2, 64])
    func singleQuote(chunkSize: Int) throws {
        let text = "a,b\n'x, y','it''s'\n\"plain\",'two\nlines'\n"
        let result = try Self.read(text, CSVOptions(quote: UInt8(ascii: "'")), chunkSize: chunkSize)
        #expect(result.rows == [["x, y", "it's"], ["\"plain\"", "two\nlines"]])
        #expect(result.lines == [2, 3])
    }

    @Test(
        "backslash escapes inside and outside quotes, also split across chunks",
        arguments: [1, 2, 3, 5, 8, 64])
    func backslashEscapes(chunkSize: Int) throws {
        // Python's csv.writer(escapechar='\\', doublequote=False) and MySQL's OUTFILE write these.
        let text = "id,note\n1,\"she said \\\"hi\\\"\"\n2,C:\\\\temp\\,x\n3,\"a\\\nb\"\n4,\\N\n5,\"\"\"kept\"\"\"\n"
        let options = CSVOptions(escape: UInt8(ascii: "\\"), nullText: "\\N")
        let result = try Self.read(text, options, chunkSize: chunkSize)
        #expect(
            result.rows == [
                ["1", "she said \"hi\""], ["2", "C:\\temp,x"], ["3", "a\nb"], ["4", nil], ["5", "\"kept\""],
            ])
        // The escaped line feed starts a new physical line.
        #expect(result.lines == [2, 3, 4, 6, 7])
    }

    @Test("a MySQL OUTFILE: tab-separated, \\N for NULL, escaped tabs and line feeds", arguments: [1, 4, 64])
    func mysqlOutfile(chunkSize: Int) throws {
        let text = "1\tplain\t\\N\n2\ttab\\\there\t\n3\tline\\\nfeed\t\\\\N\n"
        let options = CSVOptions(
            delimiter: UInt8(ascii: "\t"), header: .names(["id", "note", "extra"]), escape: UInt8(ascii: "\\"),
            nullText: "\\N")
        let result = try Self.read(text, options, chunkSize: chunkSize)
        #expect(result.rows == [["1", "plain", nil], ["2", "tab\there", ""], ["3", "line\nfeed", "\\N"]])
        #expect(result.lines == [1, 2, 3])
    }

    @Test("a NULL marker: only the unquoted marker is NULL, an empty field is the empty string")
    func nullMarkers() throws {
        for marker in ["NULL", "NA", "\\N"] {
            let text = "a,b,c\n\(marker),\"\(marker)\",\n x,\(marker)x,\"\"\n"
            let result = try Self.read(text, CSVOptions(nullText: marker))
            #expect(result.rows == [[nil, marker, ""], [" x", "\(marker)x", ""]], "\(marker)")
        }
        // Without a marker, today's rule: an unquoted empty field is NULL.
        #expect(try Self.read("a,b\nNULL,\n", CSVOptions()).rows == [["NULL", nil]])
    }

    @Test("no header: the names come from the options, and the first line is a row")
    func noHeader() throws {
        let result = try Self.read("1,x\n2,y\n", CSVOptions(header: .names(["id", "name"])))
        #expect(result.names == ["id", "name"])
        #expect(result.rows == [["1", "x"], ["2", "y"]])
        #expect(result.lines == [1, 2])
        let tooMany = try #require(throws: FrameError.self) {
            try Self.read("1,x,extra\n", CSVOptions(header: .names(["id", "name"])))
        }
        #expect(tooMany.kind == .tooManyFields)
        #expect(tooMany.line == 1)
    }

    @Test("settings that cannot work are refused, naming the setting")
    func invalidSettings() {
        let cases: [(CSVOptions, CSVOptions.Setting)] = [
            (CSVOptions(delimiter: UInt8(ascii: "\"")), .delimiter),
            (CSVOptions(delimiter: 0x0A), .delimiter),
            (CSVOptions(delimiter: 0xC3), .delimiter),
            (CSVOptions(delimiter: UInt8(ascii: "'"), quote: UInt8(ascii: "'")), .delimiter),
            (CSVOptions(quote: 0x0D), .quote),
            (CSVOptions(escape: UInt8(ascii: ",")), .delimiter),
            (CSVOptions(nullText: "a,b"), .null),
        ]
        for (options, setting) in cases {
            #expect(options.invalidSetting?.setting == setting)
            let error = #expect(throws: FrameError.self) {
                try CSVReader(source: MemoryByteSource(Array("a\n".utf8)), options: options)
            }
            #expect(error?.kind == .invalidOptions)
            #expect(error?.message.hasPrefix("the CSV \(setting.rawValue) ") == true)
        }
        #expect(CSVOptions(delimiter: UInt8(ascii: "\t"), escape: UInt8(ascii: "\\")).invalidSetting == nil)
    }

    @Test(
        "snake_case names",
        arguments: [
            ("Order ID", "order_id"), ("CustomerName", "customer_name"), ("customerName", "customer_name"),
            ("HTTPStatus", "http_status"), ("userID", "user_id"), ("Amount (€)", "amount"),
            ("2nd place", "_2nd_place"), ("already_snake", "already_snake"), ("a--b__c", "a_b_c"),
            ("Straße Nr.", "straße_nr"), ("  padded  ", "padded"), ("version2Name", "version2_name"),
        ])
    func snakeCase(written: String, expected: String) {
        #expect(ColumnNaming.snakeCase(written) == expected)
    }

    @Test("snake_case applies to the header; names that collide are an error naming both")
    func snakeCaseHeader() throws {
        let result = try Self.read("Order ID,CustomerName\n1,x\n", CSVOptions(naming: .snakeCase))
        #expect(result.names == ["order_id", "customer_name"])
        #expect(try Self.read("Order ID,CustomerName\n1,x\n", CSVOptions()).names == ["Order ID", "CustomerName"])
        let collision = try #require(throws: FrameError.self) {
            try Self.read("Order ID,order_id\n1,2\n", CSVOptions(naming: .snakeCase))
        }
        #expect(collision.kind == .duplicateHeader)
        #expect(collision.line == 1)
        #expect(collision.column == 2)
        #expect(collision.message == "columns 'Order ID' and 'order_id' both become 'order_id' with snake_case names")
        let empty = try #require(throws: FrameError.self) {
            try Self.read("id,(€)\n1,2\n", CSVOptions(naming: .snakeCase))
        }
        #expect(empty.kind == .emptyHeader)
        #expect(empty.columnName == "(€)")
    }
}
