import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// The pipelined load's binary COPY into a table it creates, beside the CSV COPY of the same input:
/// the same table, value for value, and CSV for whatever has no exact binary form.
@Suite("Loader: binary COPY on PostgreSQL", .timeLimit(.minutes(5)))
struct BinaryCopyTests {
    /// Values as other tools print them, and the extremes of each type; the last row is all NULL.
    static let columns: [(name: String, values: [String])] = [
        ("id", (1...8).map(String.init)),
        ("big", ["9223372036854775807", "-9223372036854775808", "0", "-0", "+5", "42", "-17", "1"]),
        (
            "num",
            [
                "123456789012345678901234567890.5", String(repeating: "9", count: 1000), "-0.0", "0.000",
                "1.5e-3", "-12.3400", "0.0001", "1E+20",
            ]
        ),
        (
            "dbl",
            [
                "0.1", "1e308", "5e-324", "-0.0", "3.141592653589793", "1.7976931348623157e+308",
                "2.2250738585072014e-308", "123456789.12345679",
            ]
        ),
        (
            "day",
            [
                "1900-02-28", "1969-12-31", "2000-01-01", "2038-01-20", "9999-12-31", "0001-01-01",
                "2024-02-29", "1999-12-31",
            ]
        ),
        (
            "ts",
            [
                "1969-12-31 23:59:59.999999", "2000-01-01T00:00:00", "2038-01-19 03:14:08.5", "0001-01-01 00:00:00",
                "9999-12-31 23:59:59.999999", "2024-02-29 12:00:00.000001", "1970-01-01 00:00:00",
                "2024-05-01 10:00:00",
            ]
        ),
        (
            "tstz",
            [
                "2024-03-10 02:30:00+05:30", "1999-12-31T23:59:59Z", "2024-01-01 00:00:00-08", "2024-06-01 12:00:00",
                "1969-07-20 20:17:40.5+00:00", "2038-01-19 03:14:08-0130", "2000-01-01 00:00:00+14",
                "2024-01-01 00:00:00",
            ]
        ),
        ("flag", ["true", "FALSE", "True", "false", "TRUE", "false", "true", "False"]),
        ("txt", ["\"\"", "\"a,b\"", "\"quote \"\"x\"\"\"", "\"line\nbreak\"", "ünïcødé ✓", "\\N", "NULL", " spaced "]),
    ]

    static var csv: String {
        var text = columns.map(\.name).joined(separator: ",") + "\n"
        for row in 0..<columns[0].values.count {
            text += columns.map { $0.values[row] }.joined(separator: ",") + "\n"
        }
        return text + String(repeating: ",", count: columns.count - 1) + "\n"
    }

    func load(
        _ fixture: LoaderFixture, _ text: String, into table: TableRef, binary: Bool, pipelined: Bool = true,
        file: String = "data.csv"
    ) async throws -> LoadReport {
        try await fixture.store(text, into: table, file: file) {
            $0.binaryCopy = binary
            $0.pipelinedCopy = pipelined
            $0.partSize = 4 * 1024
        }
    }

    func types(_ fixture: LoaderFixture, _ table: String) async throws -> String? {
        let connection = try await fixture.connection()
        return try await connection.execute(
            "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns "
                + "WHERE table_schema = $1 AND table_name = $2", [fixture.schema, table]
        ).scalar
    }

    @Test("every created type, its extremes and NULLs: the binary COPY gives the table the CSV COPY gives")
    func sameTableAsCSV() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let binary = try await load(fixture, Self.csv, into: fixture.table("binary"), binary: true)
            let text = try await load(fixture, Self.csv, into: fixture.table("text"), binary: false)
            #expect(binary.rowsCopiedInBinary == 9 && text.rowsCopiedInBinary == 0)
            #expect(binary.rowsBinaryFromInput == 9, "the encoder wrote them as it staged them")
            #expect(
                try await types(fixture, "binary")
                    == "id bigint, big bigint, num numeric, dbl double precision, day date, "
                    + "ts timestamp without time zone, tstz timestamp with time zone, flag boolean, txt text")
            #expect(try await types(fixture, "binary") == types(fixture, "text"))
            let rows = try await fixture.rows(fixture.table("binary"))
            #expect(rows == (try await fixture.rows(fixture.table("text"))))
            // A few as the server prints them: each value's own scale, -0 as 0, the extremes intact.
            let byID = Dictionary(
                rows.compactMap { row in row[0].map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
            #expect(byID["1"]?[1] == "9223372036854775807" && byID["1"]?[2] == "123456789012345678901234567890.5")
            #expect(byID["2"]?[1] == "-9223372036854775808" && byID["2"]?[2] == String(repeating: "9", count: 1000))
            #expect(byID["3"]?[2] == "0.0" && byID["3"]?[3] == "5e-324")
            #expect(byID["4"]?[1] == "0" && byID["4"]?[2] == "0.000" && byID["4"]?[3] == "-0")
            #expect(byID["5"]?[5] == "9999-12-31 23:59:59.999999")
            #expect(byID["6"]?[2] == "-12.3400" && byID["6"]?[4] == "0001-01-01")
            #expect(byID["7"]?[3] == "2.2250738585072014e-308" && byID["7"]?[6] == "1999-12-31 10:00:00+00")
            #expect(byID["8"]?[2] == "100000000000000000000" && byID["8"]?[7] == "f")
            #expect(rows.last == Array(repeating: nil, count: Self.columns.count))
            #expect(
                rows.compactMap { $0[8] }.sorted() == [
                    "", " spaced ", "NULL", "\\N", "a,b", "line\nbreak", "quote \"x\"", "ünïcødé ✓",
                ])
        }
    }

    /// A table created beforehand with every type the binary COPY has a send format for, and
    /// values as other tools print them, with each type's extremes; the last row is all NULL.
    static let existingColumns: [(name: String, type: String, values: [String])] = [
        ("id", "integer", (1...6).map(String.init)),
        ("small", "smallint", ["32767", "-32768", "0", "-0", "+7", "007"]),
        ("big", "bigint", ["9223372036854775807", "-9223372036854775808", "0", "1", "-1", "42"]),
        ("money", "numeric(12,2)", ["7.5", "10", "-0.01", "1.5e3", "9999999999.99", "-0"]),
        ("num", "numeric", [String(repeating: "9", count: 1000), "-12.3400", "0.0001", "1E+20", "-0.0", "1.5e-3"]),
        ("r", "real", ["3.4028235e38", "1.4e-45", "-0.0", "0.1", "NaN", "-Infinity"]),
        ("dbl", "double precision", ["0.30000000000000004", "5e-324", "-0.0", "1e308", "Infinity", "2.5"]),
        ("short", "varchar(10)", ["ünïcødé ✓✓✓", "\"a,b\"", "\"\"", "ten chars!", "\"line\nbr\"", "x"]),
        ("day", "date", ["0001-01-01", "1969-12-31", "2038-01-20", "9999-12-31", "infinity", "-Infinity"]),
        ("clock", "time", ["00:00:00", "24:00:00", "23:59:59.999999", "12:30:00.5", "7:05:09", "00:00:00.000001"]),
        (
            "at", "timestamp",
            [
                "1969-12-31 23:59:59.999999", "2000-01-01T00:00:00", "0001-01-01 00:00:00",
                "9999-12-31 23:59:59.999999",
                "2038-01-19 03:14:08.5", "-infinity",
            ]
        ),
        (
            "atz", "timestamptz",
            [
                "2024-03-10 02:30:00+05:30", "1999-12-31T23:59:59Z", "2024-01-01 00:00:00-08", "2024-06-01 12:00:00",
                "2038-01-19 03:14:08-0130", "INFINITY",
            ]
        ),
        (
            "span", "interval",
            ["1 day 02:03:04.5", "3 days 00:00:01", "123:00:00", "00:00:00.000001", "1 day", "2 days 24:00:00"]
        ),
        ("raw", "bytea", ["\\x00ff10", "\\x", "\\xDEADbeef", "\\x5c78", "\\x00", "\\x0a0d"]),
        ("flag", "boolean", ["true", "FALSE", "True", "false", "TRUE", "false"]),
    ]

    @Test(
        "every type with a send format into an existing table: the binary COPY gives the table the CSV COPY gives",
        arguments: [true, false])
    func existingTableSameAsCSV(pipelined: Bool) async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let connection = try await fixture.connection()
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(fixture.schema)")
            let columns = Self.existingColumns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
            var text = Self.existingColumns.map(\.name).joined(separator: ",") + "\n"
            for row in 0..<Self.existingColumns[0].values.count {
                text += Self.existingColumns.map { $0.values[row] }.joined(separator: ",") + "\n"
            }
            text += String(repeating: ",", count: Self.existingColumns.count - 1) + "\n"
            var reports: [LoadReport] = []
            for (name, binary) in [("binary", true), ("text", false)] {
                try await connection.execute("CREATE TABLE \(fixture.table(name).quoted) (\(columns))")
                reports.append(
                    try await load(fixture, text, into: fixture.table(name), binary: binary, pipelined: pipelined))
            }
            #expect(reports[0].copy == (pipelined ? .pipelined : .sequential))
            #expect(reports[0].rowsCopiedInBinary == 7, "\(reports[0])")
            #expect(reports[0].rowsBinaryFromInput == (pipelined ? 7 : 0))
            #expect(reports[1].rowsCopiedInBinary == 0)
            let rows = try await fixture.rows(fixture.table("binary"))
            #expect(rows == (try await fixture.rows(fixture.table("text"))))
            #expect(rows.count == 7 && rows.last == Array(repeating: nil, count: Self.existingColumns.count))
            // A few as the server prints them: the typmods applied, the extremes intact.
            let first = rows.first { $0[0] == "1" }
            #expect(first?[3] == "7.50" && first?[5] == "3.4028235e+38" && first?[7] == "ünïcødé ✓✓✓")
            #expect(first?[12] == "1 day 02:03:04.5" && first?[13] == "\\x00ff10")
            // PostgreSQL's infinite dates and timestamps, beyond every other value.
            #expect(rows.first { $0[0] == "5" }?[8] == "infinity" && rows.first { $0[0] == "6" }?[8] == "-infinity")
            #expect(rows.first { $0[0] == "6" }?[10] == "-infinity" && rows.first { $0[0] == "6" }?[11] == "infinity")
            let second = rows.first { $0[0] == "2" }
            #expect(second?[5] == "1e-45" && second?[9] == "24:00:00" && second?[12] == "3 days 00:00:01")
        }
    }

    @Test("a value without an exact binary form sends it and every later batch as CSV; the table is the same")
    func switchesToCSV() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            var text = "id,n,note\n"
            // Numbers past an exponent of 1,000 are read as the server reads the text.
            for row in 1...2000 { text += "\(row),\(row == 1600 ? "1e2000" : "\(row).25"),\"n \"\"\(row)\"\"\"\n" }
            let binary = try await load(fixture, text, into: fixture.table("binary"), binary: true)
            let csv = try await load(fixture, text, into: fixture.table("text"), binary: false)
            #expect(binary.copy == .pipelined && binary.rows == 2000)
            #expect(binary.rowsCopiedInBinary == 1500, "the batches before row 1,501's")
            #expect(csv.rowsCopiedInBinary == 0)
            #expect(try await types(fixture, "binary") == "id bigint, n numeric, note text")
            #expect(try await fixture.checksum(fixture.table("binary")) == fixture.checksum(fixture.table("text")))
        }
    }

    @Test("after a column changes while copying, the encoder's binary rows go on in its new format")
    func binaryFromInputAfterAlter() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            var text = "id,n\n"
            for row in 1...4000 { text += "\(row),\(row <= 2000 ? "\(row)" : "\(row).25")\n" }
            let binary = try await load(fixture, text, into: fixture.table("binary"), binary: true)
            let csv = try await load(fixture, text, into: fixture.table("text"), binary: false)
            #expect(binary.copy == .pipelined && binary.changedWhileCopying == ["n: bigint → numeric"])
            #expect(binary.rowsCopiedInBinary == 4000)
            #expect(binary.rowsBinaryFromInput == 4000)
            #expect(try await types(fixture, "binary") == "id bigint, n numeric")
            #expect(try await fixture.checksum(fixture.table("binary")) == fixture.checksum(fixture.table("text")))
            #expect(csv.rowsCopiedInBinary == 0 && csv.rowsBinaryFromInput == 0)
        }
    }

    @Test("existing json and jsonb columns get each its own binary form, and load back as JSON")
    func existingJSONColumns() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let connection = try await fixture.connection()
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(fixture.schema)")
            try await connection.execute(
                "CREATE TABLE \(fixture.table("docs").quoted) (id integer, doc json, docb jsonb)")
            let text =
                "id,doc,docb\n1,\"{\"\"b\"\": 1,  \"\"a\"\": [1, 2]}\",\"{\"\"b\"\": 1,  \"\"a\"\": [1, 2]}\"\n2,[],null\n"
            let report = try await load(fixture, text, into: fixture.table("docs"), binary: true)
            #expect(report.rows == 2 && report.rowsCopiedInBinary == 2)
            let rows = try await fixture.rows(fixture.table("docs"))
            // json keeps the text as written; jsonb its own form.
            #expect(rows.first { $0[0] == "1" } == ["1", "{\"b\": 1,  \"a\": [1, 2]}", "{\"a\": [1, 2], \"b\": 1}"])
            #expect(rows.first { $0[0] == "2" } == ["2", "[]", "null"])
            // Both read back as JSON documents, not as text.
            let back = try await fixture.loader.load(fixture.table("docs"))
            #expect(back.schema.fields.map(\.type) == [.integer, .json, .json])
        }
    }

    @Test("the sequential load converts staged parts; from a row without a binary form on, CSV; the same table")
    func sequentialSwitchesToCSV() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            var text = "id,n,note\n"
            for row in 1...2000 { text += "\(row),\(row == 1600 ? "1e2000" : "\(row).25"),\"n \"\"\(row)\"\"\"\n" }
            let binary = try await load(fixture, text, into: fixture.table("binary"), binary: true, pipelined: false)
            let csv = try await load(fixture, text, into: fixture.table("text"), binary: false, pipelined: false)
            #expect(binary.copy == .sequential && binary.rows == 2000)
            #expect(binary.rowsCopiedInBinary == 1599, "every row before row 1,600's")
            #expect(csv.rowsCopiedInBinary == 0)
            #expect(try await fixture.checksum(fixture.table("binary")) == fixture.checksum(fixture.table("text")))

            // A value the server refuses in the CSV rest of a part is named by its line after the
            // binary rows; in the binary rows, by its row.
            let connection = try await fixture.connection()
            let target = fixture.table("binary").quoted
            for (id, place) in [
                (1700, "(line 101 after row 99 of part-00003.csv.gz)"), (20, "(row 20 of part-00001.csv.gz)"),
            ] {
                try await connection.execute(
                    "ALTER TABLE \(target) ADD CONSTRAINT not_\(id) CHECK (id <> \(id)) NOT VALID")
                let error = try await #require(throws: StevedoreError.self) {
                    try await load(fixture, text, into: fixture.table("binary"), binary: true, pipelined: false)
                }
                #expect(error.message.contains("23514") && error.message.contains(place), "\(error.message)")
                try await connection.execute("ALTER TABLE \(target) DROP CONSTRAINT not_\(id)")
            }
            #expect(try await fixture.checksum(fixture.table("binary")) == fixture.checksum(fixture.table("text")))
        }
    }

    @Test("nested JSON Lines values go into jsonb as binary; the same documents as through CSV")
    func jsonLines() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let lines = """
                {"id": 1, "doc": {"a": [1, 2, {"b": "x\\"y"}], "c": null}, "tag": "one"}
                {"id": 2, "doc": [true, 1.5e3, "ü"], "tag": null}
                {"id": 3, "doc": null, "tag": "three, with a comma"}

                """
            let binary = try await load(fixture, lines, into: fixture.table("binary"), binary: true, file: "docs.jsonl")
            _ = try await load(fixture, lines, into: fixture.table("text"), binary: false, file: "docs.jsonl")
            #expect(binary.rowsCopiedInBinary == 3)
            #expect(try await types(fixture, "binary") == "id bigint, doc jsonb, tag text")
            let rows = try await fixture.rows(fixture.table("binary"))
            #expect(rows == (try await fixture.rows(fixture.table("text"))))
            #expect(rows.first?[1] == #"{"a": [1, 2, {"b": "x\"y"}], "c": null}"#)
        }
    }
}

/// Where a binary COPY's rejected row is: the server numbers rows, not lines.
@Suite("binary COPY row places", .timeLimit(.minutes(5)))
struct BinaryCopyPlaceTests {
    @Test("a frame's row (no input lines kept) is named by its row in the part")
    func frameRow() {
        let batch = LoadRun.CopiedBatch(
            firstLine: 100, countsRows: true, part: "part-00002.csv.gz", partLinesBefore: 500,
            partRowsBefore: 400, uncountedLineFeeds: 0, origins: nil)
        #expect(batch.place(ofCopyLine: 103, column: "n", value: nil) == "column n, row 403 of part-00002.csv.gz")
        let csv = LoadRun.CopiedBatch(
            firstLine: 100, part: "part-00002.csv.gz", partLinesBefore: 500,
            uncountedLineFeeds: 0, origins: nil)
        #expect(csv.place(ofCopyLine: 103, column: nil, value: nil) == "line 503 of part-00002.csv.gz")
    }
}

/// `PostgresBinaryCopy` on its own: the bytes of each send format, and the texts it leaves to CSV.
@Suite("PostgreSQL binary COPY rows", .timeLimit(.minutes(5)))
struct PostgresBinaryCopyTests {
    func encode(_ fields: [PostgresBinaryCopy.Field], _ csv: String) -> [UInt8]? {
        var output: [UInt8] = []
        let rows = csv.utf8.filter { $0 == UInt8(ascii: "\n") }.count
        return PostgresBinaryCopy(fields: fields).encode(csv: Array(csv.utf8), rows: rows, into: &output)
            .map { Array(output[..<$0]) }
    }

    /// One row of one field: the field count, then the length and the bytes.
    func row(_ field: [UInt8]) -> [UInt8] {
        [0, 1] + withUnsafeBytes(of: Int32(field.count).bigEndian, Array.init) + field
    }

    @Test("send formats: numeric groups, weight, sign and scale; days and microseconds since 2000; NULL as -1")
    func sendFormats() {
        // -12.3400: two groups (12, 3400), weight 0, negative, scale 4.
        #expect(encode([.numeric], "-12.3400\n") == row([0, 2, 0, 0, 0x40, 0, 0, 4, 0, 12, 0x0D, 0x48]))
        // 0.0001: one group (1) at weight -1, scale 4; 1.5e-3 likewise (15 at weight -1), scale 4.
        #expect(encode([.numeric], "0.0001\n") == row([0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 1]))
        #expect(encode([.numeric], "1.5e-3\n") == row([0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 15]))
        // Zero keeps its scale and no sign.
        #expect(encode([.numeric], "-0.00\n") == row([0, 0, 0, 0, 0, 0, 0, 2]))
        #expect(encode([.date], "2000-01-02\n") == row([0, 0, 0, 1]))
        #expect(encode([.date], "1999-12-31\n") == row([0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(encode([.timestamp], "2000-01-01 00:00:01.5\n") == row([0, 0, 0, 0, 0, 0x16, 0xE3, 0x60]))
        #expect(encode([.timestamptz], "2000-01-01 01:00:00+01:00\n") == row([0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(encode([.boolean], "TRUE\n") == row([1]))
        #expect(encode([.int8], "-1\n") == row(Array(repeating: 0xFF, count: 8)))
        #expect(encode([.float8], "-0.0\n") == row([0x80, 0, 0, 0, 0, 0, 0, 0]))
        #expect(encode([.text], "\"a \"\"b\"\"\"\n") == row(Array("a \"b\"".utf8)))
        #expect(encode([.jsonb], "\"{\"\"k\"\": 1}\"\n") == row([1] + Array("{\"k\": 1}".utf8)))
        #expect(encode([.float4], "-0.0\n") == row([0x80, 0, 0, 0]))
        #expect(encode([.float4], "0.1\n") == row([0x3D, 0xCC, 0xCC, 0xCD]), "strtof's float, not a double's")
        #expect(encode([.float4], "1.4e-45\n") == row([0, 0, 0, 1]))
        #expect(encode([.time], "00:00:01.5\n") == row([0, 0, 0, 0, 0, 0x16, 0xE3, 0x60]))
        #expect(encode([.time], "24:00:00\n") == row([0, 0, 0, 0x14, 0x1D, 0xD7, 0x60, 0]))
        // An interval: microseconds, then days, then months.
        #expect(
            encode([.interval], "2 days 00:00:01.5\n")
                == row([0, 0, 0, 0, 0, 0x16, 0xE3, 0x60, 0, 0, 0, 2, 0, 0, 0, 0]))
        // float4in reads with strtof: this is 1 + 2^-23, where a double rounded again would be 1.
        #expect(encode([.float4], "1.00000005960464477550\n") == row([0x3F, 0x80, 0, 0x01]))
        #expect(encode([.bytea], "\\x00fF\n") == row([0x00, 0xFF]))
        // PostgreSQL's infinities: the largest and smallest value of each type's integer.
        #expect(encode([.date], "Infinity\n") == row([0x7F, 0xFF, 0xFF, 0xFF]))
        #expect(encode([.date], "-infinity\n") == row([0x80, 0, 0, 0]))
        #expect(encode([.timestamp], "infinity\n") == row([0x7F] + Array(repeating: 0xFF, count: 7)))
        #expect(encode([.timestamptz], "-INFINITY\n") == row([0x80] + Array(repeating: 0, count: 7)))
        // An unquoted empty field is NULL, a quoted one the empty string.
        #expect(encode([.int8, .text], ",\"\"\n") == [0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
    }

    @Test(
        "texts the server would read otherwise, or refuse, are left to CSV",
        arguments: [
            (PostgresBinaryCopy.Field.float8, "1e-400"), (.float8, "1e309"), (.timestamp, "2024-01-01 10:00:00+02"),
            (.int8, "\"\""), (.int8, "12abc"), (.int4, "99999999999"), (.int2, "40000"), (.numeric, "1e2000"),
            (.numeric, "NaN"), (.date, "2024-02-30"), (.date, "+infinity"), (.timestamp, "infinit"), (.boolean, "tr"),
            (.timestamp, "2024-01-01 10:00:00.1234567"), (.float4, "1e39"), (.float4, "1e-50"), (.float4, "0x1p3"),
            (.float4, "1,5"), (.time, "25:00:00"), (.time, "10:00"), (.time, "-01:00:00"), (.time, "10:00:00+02"),
            (.interval, "1 mon"), (.interval, "P1D"), (.interval, "1 day 2 hours"), (.interval, "1 year"),
            (.bytea, "\\xabc"), (.bytea, "abc"), (.bytea, "\\xzz"), (.bytea, "\\001"), (.time, "12:00:00.-5"),
            (.time, "07:-5:09"), (.time, "+7:05:09"), (.interval, "1 day 00:-5:00"), (.interval, "--01:00:00"),
            (.interval, "-1 days 02:00:00"), (.interval, "-02:00:00"), (.interval, "1 day +-2:00:00"),
        ])
    func leftToCSV(field: PostgresBinaryCopy.Field, text: String) {
        #expect(encode([field], text + "\n") == nil, "\(text)")
    }

    @Test("a CSV cut into pieces anywhere encodes as the whole does: every cut point, two pieces and byte by byte")
    func pieces() {
        let csv = Array(
            ("1,\"a \"\"quoted\"\" value\",\"line\nbreak\",,2024-01-01\n" + "2,\"\",\"\"\"\",x,\n"
                + "3,plain,\"ends with a quote \"\"\",\"\",1999-12-31\n").utf8)
        let copy = PostgresBinaryCopy(fields: [.int8, .text, .text, .text, .date])
        var whole: [UInt8] = []
        let wholeCount = copy.encode(csv: csv, rows: 3, into: &whole)
        #expect(wholeCount != nil)
        /// Feeds `csv` in pieces that end at `cuts`, as the sequential copy does.
        func streamed(_ cuts: [Int]) -> [UInt8]? {
            var output: [UInt8] = []
            var pending: [UInt8] = []
            var buffer: [UInt8] = []
            var start = 0
            for end in cuts + [csv.count] {
                pending += csv[start..<end]
                start = end
                let prefix = copy.encodePrefix(csv: pending[...], into: &buffer)
                if prefix.refused { return nil }
                output += buffer[..<prefix.written]
                pending.removeFirst(prefix.consumed)
            }
            return pending.isEmpty ? output : nil
        }
        let expected = Array(whole[..<(wholeCount ?? 0)])
        for cut in 0...csv.count {
            #expect(streamed([cut]) == expected, "cut at \(cut)")
        }
        #expect(streamed(Array(1..<csv.count)) == expected, "byte by byte")
        // A row of another shape is refused where it starts, with the rows before it written.
        var buffer: [UInt8] = []
        let refused = copy.encodePrefix(csv: Array("1,a,b,c,2024-01-01\nx,a,b,c,2024-01-01\n".utf8)[...], into: &buffer)
        #expect(refused.refused && refused.rows == 1 && refused.consumed == 19)
    }

    @Test("rows that outgrow the buffer are written again into a larger one; a wrong row count is refused")
    func growsAndCounts() {
        // All NULL: 10 bytes of CSV a row become 42 of binary (a count and ten lengths of -1).
        let csv = Array(String(repeating: ",,,,,,,,,\n", count: 1000).utf8)
        let copy = PostgresBinaryCopy(fields: Array(repeating: .int8, count: 10))
        var buffer: [UInt8] = []
        let written = copy.encode(csv: csv, rows: 1000, into: &buffer)
        #expect(written == 42_000)
        #expect(Array(buffer[..<42]) == [0, 10] + Array(repeating: 0xFF, count: 40))
        #expect(Array(buffer[(41_958)..<42_000]) == [0, 10] + Array(repeating: 0xFF, count: 40))
        #expect(copy.encode(csv: csv, rows: 999, into: &buffer) == nil, "the chunk says 999 rows")
        #expect(PostgresBinaryCopy(fields: []).encode(csv: Array("\n".utf8), rows: 1, into: &buffer) == nil)
    }

    /// The batches a CSV reader makes of `csv`, each with the staged CSV the encoder writes of it.
    func stagedBatches(_ csv: String) throws -> [(batch: TextBatch, staged: [UInt8])] {
        let reader = try CSVReader(source: MemoryByteSource(Array(csv.utf8), chunkSize: 7))
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        var batches: [(TextBatch, [UInt8])] = []
        while let batch = try reader.next() {
            try encoder.append(batch)
            batches.append((batch, encoder.takeOutput()))
        }
        return batches
    }

    @Test("a batch's fields encode as its staged CSV does: every type, quotes, line feeds, NULL and empty")
    func batchAsStaged() throws {
        let existing = BinaryCopyTests.existingColumns
        var text = existing.map(\.name).joined(separator: ",") + "\n"
        for row in 0..<existing[0].values.count {
            text += existing.map { $0.values[row] }.joined(separator: ",") + "\n"
        }
        text += String(repeating: ",", count: existing.count - 1) + "\n"
        let fields: [PostgresBinaryCopy.Field] = [
            .int4, .int2, .int8, .numeric, .numeric, .float4, .float8, .text, .date, .time, .timestamp, .timestamptz,
            .interval, .bytea, .boolean,
        ]
        let cases: [(String, [PostgresBinaryCopy.Field])] = [
            (text, fields),
            (
                BinaryCopyTests.csv,
                [.int8, .int8, .numeric, .float8, .date, .timestamp, .timestamptz, .boolean, .text]
            ),
            ("t,j\n\"a \"\"b\"\"\",\"{\"\"k\"\": \"\"v\"\"}\"\n\"\",\"[1,\n2]\"\n,\n", [.text, .jsonb]),
        ]
        for (csv, fields) in cases {
            let copy = PostgresBinaryCopy(fields: fields)
            var fromBatch: [UInt8] = []
            var fromCSV: [UInt8] = []
            for (batch, staged) in try stagedBatches(csv) {
                let batchCount = copy.encode(batch, into: &fromBatch)
                let csvCount = copy.encode(csv: staged, rows: batch.rowCount, into: &fromCSV)
                #expect(batchCount != nil && batchCount == csvCount)
                #expect(fromBatch[..<(batchCount ?? 0)] == fromCSV[..<(csvCount ?? 0)])
            }
        }
        // What the rewrite of the staged CSV leaves to CSV, the batch does too.
        for (field, value) in [
            (PostgresBinaryCopy.Field.float8, "1e-400"), (.numeric, "NaN"), (.date, "2024-02-30"), (.int8, "\"\""),
            (.timestamp, "2024-01-01 10:00:00+02"), (.int2, "40000"), (.bytea, "\\xabc"), (.int8, "\"1\"\"\""),
        ] {
            let staged = try stagedBatches("v\n\(value)\n")
            var buffer: [UInt8] = []
            #expect(
                staged.count == 1 && PostgresBinaryCopy(fields: [field]).encode(staged[0].batch, into: &buffer) == nil)
            #expect(PostgresBinaryCopy(fields: [field]).encode(csv: staged[0].staged, rows: 1, into: &buffer) == nil)
        }
    }

    @Test("a batch's rows that outgrow the room they start with go on in a larger buffer; another width is refused")
    func batchGrows() throws {
        // "1," is 2 bytes of CSV and 12 of binary: the buffer grows mid-batch.
        let header = (1...10).map { "c\($0)" }.joined(separator: ",")
        let staged = try stagedBatches(header + "\n" + String(repeating: "1,1,1,1,1,1,1,1,1,1\n", count: 1000))
        let copy = PostgresBinaryCopy(fields: Array(repeating: .int8, count: 10))
        var buffer: [UInt8] = []
        var total = 0
        for (batch, _) in staged {
            #expect(copy.typicalSize(of: batch) < batch.rowCount * 122)
            total += try #require(copy.encode(batch, into: &buffer))
            #expect(Array(buffer[..<14]) == [0, 10, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1])
        }
        #expect(total == 1000 * 122)
        #expect(PostgresBinaryCopy(fields: [.int8]).encode(staged[0].batch, into: &buffer) == nil)
    }

    @Test("rows of another width, or a row without its line feed, are refused")
    func shape() {
        #expect(encode([.int8, .int8], "1\n") == nil)
        #expect(encode([.int8], "1,2\n") == nil)
        #expect(encode([.int8], "1") == nil)
        #expect(encode([.text], "\"open\n") == nil)
        #expect(encode([.int8], "1\n2\n3\n")?.count == 3 * 14)
    }
}
