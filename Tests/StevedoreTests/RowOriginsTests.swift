import Frames
import Testing

@testable import Stevedore

/// How a line the server names in a pipelined COPY becomes the input's line and the part's line.
@Suite("row origins")
struct RowOriginsTests {
    /// The batch of `csv` (with a header) and what the encoder wrote of it.
    static func encoded(_ csv: String) throws -> (batch: TextBatch, staged: [String], origins: RowOrigins) {
        let reader = try CSVReader(source: MemoryByteSource(Array(csv.utf8), chunkSize: 7), file: "in.csv")
        let batch = try #require(try reader.next())
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        try encoder.append(batch)
        let origins = RowOrigins(batch, rowsWithLineFeeds: encoder.rowsWithLineFeeds)
        let staged = String(decoding: encoder.takeOutput(), as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(encoder.rowsWithLineFeeds.isEmpty, "taking the output starts the next batch's rows")
        return (batch, staged.map(String.init), origins)
    }

    @Test("every staged line maps to the input line its row starts on, multi-line values included")
    func stagedToInput() throws {
        // Input lines: 1 header, 2 a, 3-5 b (two line feeds, one a CRLF), 6 c, 7-8 d, 9 e.
        let (_, staged, origins) = try Self.encoded("k,v\na,1\nb,\"x\r\ny\nz\"\nc,3\nd,\"p\nq\"\ne,5\n")
        let rowOfStagedLine = [2, 3, 3, 3, 6, 7, 7, 9]
        for (line, expected) in rowOfStagedLine.enumerated() {
            #expect(origins.inputLine(atStagedLine: line) == expected, "staged line \(line): \(staged[line])")
        }
        #expect(origins.file == "in.csv")
        #expect(origins.firstRowLineFeeds == 0)
    }

    @Test("the first row's line feeds, which the server does not count when it opens a COPY")
    func firstRowOpensTheCopy() throws {
        let (_, _, origins) = try Self.encoded("k,v\n\"a\nb\",1\nc,2\nd,3\n")
        #expect(origins.firstRowLineFeeds == 1)
        let opening = LoadRun.CopiedBatch(
            firstLine: 0, part: "part-00001.csv.gz", partLinesBefore: 0,
            uncountedLineFeeds: origins.firstRowLineFeeds, origins: origins)
        // The server's line 3 is row d: input line 5, the part's physical line 4.
        #expect(
            opening.place(ofCopyLine: 3, column: "v", value: "\"3\"")
                == "column v: \"3\", line 5 of in.csv, line 4 of part-00001.csv.gz")
        // Later in the COPY (after 10 lines), every line feed counts.
        let later = LoadRun.CopiedBatch(
            firstLine: 10, part: "part-00002.csv.gz", partLinesBefore: 4,
            uncountedLineFeeds: 0, origins: origins)
        #expect(later.place(ofCopyLine: 13, column: nil, value: nil) == "line 4 of in.csv, line 7 of part-00002.csv.gz")
    }
}
