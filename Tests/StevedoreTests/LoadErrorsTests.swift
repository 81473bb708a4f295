import Frames
import Testing

@testable import Stevedore

/// Rows as Redshift's load-error tables hold them (SYS_LOAD_ERROR_DETAIL: file_name, line_number,
/// column_name, error_message, no raw value; STL_LOAD_ERRORS: filename, line_number, colname,
/// raw_field_value, err_reason), mapped back to the input's file and line.
@Suite("Redshift load errors")
struct LoadErrorsTests {
    /// Part 1: `day1.csv` lines 2-3, then `day2.csv` lines 2, 3-4 (a value over two lines), 5.
    static func origins() throws -> [String: PartOrigins] {
        var part = PartOrigins()
        for (file, csv) in [("day1.csv", "k,v\na,1\nb,2\n"), ("day2.csv", "k,v\nc,3\nd,\"p\nq\"\ne,x\n")] {
            let reader = try CSVReader(source: MemoryByteSource(Array(csv.utf8)), file: file)
            let batch = try #require(try reader.next())
            var encoder = StagedCSVEncoder(nullMarker: .backslashN)
            try encoder.append(batch)
            let lines = encoder.lineCount
            part.append(lines: lines, origins: RowOrigins(batch, rowsWithLineFeeds: encoder.rowsWithLineFeeds))
            _ = encoder.takeOutput()
        }
        return ["part-00001.csv.gz": part]
    }

    static let url = "s3://stage/loads/analytics/sales/_all/20240612T093015123Z-9f3a61c2/part-00001.csv.gz"

    @Test("a SYS_LOAD_ERROR_DETAIL row: column and reason, the part's line told as the input's")
    func systemView() throws {
        // As `loadErrorDetails` selects it: the raw value is NULL, the CHAR padding trimmed.
        let row = try #require(LoadErrorRow([Self.url, "6", "v", nil, "Invalid digit, Value 'x', Pos 0, Type: Long"]))
        #expect(
            row.described(origins: try Self.origins())
                == "column 'v' (day2.csv, line 5; part-00001.csv.gz, line 6): Invalid digit, Value 'x', Pos 0, Type: Long"
        )
    }

    @Test("STL_LOAD_ERRORS rows: the raw value too; a line inside a multi-line value names its row's first line")
    func stlTable() throws {
        let origins = try Self.origins()
        let first = try #require(LoadErrorRow([Self.url, "2", "v", "2", "Invalid digit, Value '2', Pos 0"]))
        #expect(
            first.described(origins: origins).hasPrefix(
                "column 'v', value '2' (day1.csv, line 3; part-00001.csv.gz, line 2)"))
        let inside = try #require(LoadErrorRow([Self.url, "5", "v", "q", "Extra column(s) found"]))
        #expect(inside.described(origins: origins).contains("(day2.csv, line 3; part-00001.csv.gz, line 5)"))
    }

    @Test("a part or line the load did not stage is named as Redshift gave it; malformed rows are dropped")
    func unknownPlaces() throws {
        let origins = try Self.origins()
        let other = try #require(LoadErrorRow(["s3://stage/x/part-00009.csv.gz", "3", "v", "a", "bad"]))
        #expect(other.described(origins: origins) == "column 'v', value 'a' (part-00009.csv.gz, line 3): bad")
        let beyond = try #require(LoadErrorRow([Self.url, "99", nil, nil, "bad"]))
        #expect(beyond.described(origins: origins) == "a row (part-00001.csv.gz, line 99): bad")
        #expect(LoadErrorRow(["only", "three", "columns"]) == nil)
    }
}
