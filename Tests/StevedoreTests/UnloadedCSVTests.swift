import Frames
import Testing
import Warehouse

@testable import Stevedore

/// What Redshift's UNLOAD writes (columns, then a NULL flag per text column) becomes the CSV the
/// loader reads back: a text `\N`, `NULL` or `""` stays text, only a flagged NULL reads as NULL.
@Suite("unloaded CSV")
struct UnloadedCSVTests {
    /// Columns `id` (BIGINT), `note` (VARCHAR, flagged), `amount` (DECIMAL), as UNLOAD's CSV
    /// writes them with `NULL AS '\N'`: quotes only around delimiters, quotes and newlines.
    static let unloaded =
        [
            #"1,\N,1.50,0"#,
            #"2,NULL,2.00,0"#,
            #"3,,\N,0"#,
            #"4,\N,4.00,1"#,
            #"5,"a,""b""",5.00,0"#,
            "6,\"two\nlines\",6.00,0",
            #"\N,x,7.00,0"#,
        ].joined(separator: "\n") + "\n"

    static let rewritten =
        [
            #"1,"\N",1.50"#,
            #"2,"NULL",2.00"#,
            #"3,"",\N"#,
            #"4,\N,4.00"#,
            #"5,"a,""b""",5.00"#,
            "6,\"two\nlines\",6.00",
            #"\N,"x",7.00"#,
        ].joined(separator: "\n") + "\n"

    static func rewrite(_ text: String, chunk: Int) throws -> String {
        var csv = UnloadedCSV(columnCount: 3, flagged: [1])
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            output += try csv.rewrite(Array(bytes[start..<end]))
            start = end
        }
        output += try csv.finish()
        return String(decoding: output, as: UTF8.self)
    }

    @Test("flags decide NULL, text values come out quoted, in chunks of any size", arguments: [1, 2, 7, 4096])
    func rewrites(chunk: Int) throws {
        #expect(try Self.rewrite(Self.unloaded, chunk: chunk) == Self.rewritten)
    }

    @Test("read back with the loader's NULL marker: \\N, NULL and the empty string stay text")
    func readsBack() throws {
        let csv = try Self.rewrite(Self.unloaded, chunk: 5)
        let reader = try CSVReader(
            source: MemoryByteSource(Array(csv.utf8)), file: "unloaded",
            options: CSVOptions(header: .names(["id", "note", "amount"]), nullMarker: RedshiftDialect().nullMarker))
        let batch = try #require(try reader.next())
        let notes = (0..<batch.rowCount).map { batch.string(row: $0, column: 1) }
        #expect(notes == [#"\N"#, "NULL", "", nil, #"a,"b""#, "two\nlines", "x"])
        #expect(batch.string(row: 6, column: 0) == nil)
        #expect(batch.string(row: 2, column: 2) == nil)
    }

    @Test("a last record without a line feed is kept; a wrong field count or flag is an error naming the line")
    func edges() throws {
        #expect(try Self.rewrite(#"1,\N,2,0"#, chunk: 3) == "1,\"\\N\",2\n")
        #expect(throws: StevedoreError.self) { try Self.rewrite("1,a,2,0\n2,b,3\n", chunk: 64) }
        let error = try #require(throws: StevedoreError.self) { try Self.rewrite("1,a,2,0\n2,b,3,x\n", chunk: 64) }
        #expect(error.message.contains("line 2") && error.message.contains("neither 0 nor 1"), "\(error.message)")
        #expect(UnloadedCSV.flagsNulls(of: .varchar(maxBytes: 10)) && UnloadedCSV.flagsNulls(of: .json))
        #expect(!UnloadedCSV.flagsNulls(of: .bigint) && !UnloadedCSV.flagsNulls(of: .date))
    }
}
