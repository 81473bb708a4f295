import Foundation
import Testing

@testable import Frames

/// `CSVOptions.encoding`: input in Latin-1, Windows-1252 or UTF-16 converted to UTF-8 as it is read.
@Suite("CSV encodings")
struct EncodingTests {
    static func read(_ bytes: [UInt8], _ options: CSVOptions, chunkSize: Int = 1 << 20) throws -> [[String?]] {
        let reader = try CSVReader(
            source: MemoryByteSource(bytes, chunkSize: chunkSize), file: "in.csv", options: options)
        var rows: [[String?]] = [reader.columnNames]
        while let batch = try reader.next() { rows += batch.rows }
        return rows
    }

    /// `text` in UTF-16 of the given byte order, with its byte order mark.
    static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            bytes += littleEndian ? pair : pair.reversed()
        }
        return bytes
    }

    @Test("Latin-1: é and ü become UTF-8", arguments: [1, 2, 1 << 20])
    func latin1(chunkSize: Int) throws {
        let bytes: [UInt8] =
            Array("name,city\n".utf8) + [0x52, 0x65, 0x6E, 0xE9, 0x2C, 0x5A, 0xFC, 0x72, 0x69, 0x63, 0x68, 0x0A]
        #expect(
            try Self.read(bytes, CSVOptions(encoding: .latin1), chunkSize: chunkSize) == [
                ["name", "city"], ["René", "Zürich"],
            ])
    }

    @Test("Windows-1252: € and curly quotes from 0x80–0x9F", arguments: [1, 3, 1 << 20])
    func windows1252(chunkSize: Int) throws {
        let bytes: [UInt8] =
            Array("item;price\r\n".utf8) + [0x93, 0x43, 0x61, 0x66, 0xE9, 0x94, 0x3B, 0x80, 0x20, 0x33, 0x0D, 0x0A]
        let options = CSVOptions(delimiter: UInt8(ascii: ";"), encoding: .windows1252)
        #expect(try Self.read(bytes, options, chunkSize: chunkSize) == [["item", "price"], ["“Café”", "€ 3"]])
    }

    @Test(
        "UTF-16 with a byte order mark, either order; characters split across every chunk boundary",
        arguments: [true, false], [1, 2, 3, 5, 7, 1 << 20])
    func utf16(littleEndian: Bool, chunkSize: Int) throws {
        // Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF line ends.
        let text = "name\tnote\r\nRené\t🚀 ok\r\n€\t\r\n"
        let options = CSVOptions(delimiter: UInt8(ascii: "\t"), encoding: .utf16)
        let rows = try Self.read(Self.utf16(text, littleEndian: littleEndian), options, chunkSize: chunkSize)
        #expect(rows == [["name", "note"], ["René", "🚀 ok"], ["€", nil]])
    }

    @Test("a byte that is no character of the encoding names the file, line and byte offset")
    func invalidWindows1252() throws {
        // 0x81 is unassigned in Windows-1252.
        let bytes: [UInt8] = Array("a,b\n1,x\n2,".utf8) + [0x81] + Array("\n".utf8)
        let error = try #require(throws: FrameError.self) {
            try Self.read(bytes, CSVOptions(encoding: .windows1252), chunkSize: 4)
        }
        #expect(error.kind == .invalidEncoding)
        #expect(error.file == "in.csv")
        #expect(error.line == 3)
        #expect(error.message == "invalid windows-1252 byte(s) 0x81 at byte offset 10")
        #expect("\(error)" == "in.csv:3: invalid windows-1252 byte(s) 0x81 at byte offset 10")
    }

    @Test("UTF-16 without a byte order mark, cut inside a character, or with a lone surrogate is refused")
    func invalidUTF16() throws {
        let options = CSVOptions(encoding: .utf16)
        let noMark = try #require(throws: FrameError.self) { try Self.read(Array("a,b\n".utf8), options) }
        #expect(noMark.message == "UTF-16 input must start with a byte order mark (FF FE or FE FF)")
        let cut = try #require(throws: FrameError.self) {
            try Self.read(Self.utf16("a\n1\n", littleEndian: true).dropLast(), options, chunkSize: 3)
        }
        #expect(cut.kind == .invalidEncoding)
        #expect(cut.line == 2)
        #expect(cut.message == "the input ends inside a utf-16 character at byte offset 8")
        // A high surrogate followed by a letter.
        let lone = Self.utf16("a\n", littleEndian: true) + [0x3D, 0xD8, 0x41, 0x00]
        let surrogate = try #require(throws: FrameError.self) { try Self.read(lone, options) }
        #expect(surrogate.kind == .invalidEncoding)
        #expect(surrogate.line == 2)
        #expect(surrogate.message.hasSuffix("at byte offset 6"))
    }

    @Test("encoding names as users write them")
    func names() {
        #expect(TextEncoding(name: "UTF8") == .utf8)
        #expect(TextEncoding(name: "ISO-8859-1") == .latin1)
        #expect(TextEncoding(name: "latin1") == .latin1)
        #expect(TextEncoding(name: "CP1252") == .windows1252)
        #expect(TextEncoding(name: "windows-1252") == .windows1252)
        #expect(TextEncoding(name: "UTF-16") == .utf16)
        #expect(TextEncoding(name: "ebcdic") == nil)
    }

    @Test("a long Latin-1 input streams: many chunks, every row converted")
    func streams() throws {
        var bytes = Array("n,word\n".utf8)
        for index in 0..<20_000 { bytes += Array("\(index),caf".utf8) + [0xE9, 0x0A] }
        let reader = try CSVReader(
            source: MemoryByteSource(bytes, chunkSize: 4096), options: CSVOptions(batchRows: 1000, encoding: .latin1))
        var count = 0
        while let batch = try reader.next() {
            #expect(batch.rowCount <= 1000)
            for row in 0..<batch.rowCount where batch.string(row: row, column: 1) != "café" {
                Issue.record("row \(count + row): \(batch.string(row: row, column: 1) ?? "NULL")")
            }
            count += batch.rowCount
        }
        #expect(count == 20_000)
    }
}
