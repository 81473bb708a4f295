import Testing

@testable import Frames

@Suite("staged CSV writer")
struct StagedCSVEncoderTests {
    static let trickyText: [String?] = [
        nil, "", "\\N", "\\.", "plain", "a,b", "say \"hi\"", "line\nbreak", "cr\rlf\r\n", " lead", "trail\t",
        "\\N\\N", "ü🚀",
    ]

    static func encode(_ frame: Frame, _ marker: NullMarker) throws -> String {
        var encoder = StagedCSVEncoder(nullMarker: marker)
        try encoder.append(frame)
        return String(decoding: encoder.takeOutput(), as: UTF8.self)
    }

    @Test("PostgreSQL marker: NULL is an unquoted empty field, the empty string is \"\"")
    func postgresMarker() throws {
        let frame = try Frame(columns: [.text("t", Self.trickyText)])
        #expect(
            try Self.encode(frame, .emptyField) == """

                ""
                "\\N"
                "\\."
                plain
                "a,b"
                "say ""hi\"\"\"
                "line
                break"
                "cr\rlf\r
                "
                " lead"
                "trail\t"
                \\N\\N
                ü🚀

                """)
    }

    @Test(
        "a NUL byte anywhere in a value is refused, naming file, line and column",
        arguments: [0, 1, 7, 8, 9, 15, 16, 30])
    func nulByte(position: Int) throws {
        let value = String(repeating: "a", count: position) + "\u{0}" + String(repeating: "b", count: 30 - position)
        for tail in ["", "\"q\"", ",c"] {
            let batch = try TextBatch(
                columnNames: ["id", "note"], rows: [["1", "fine"], ["2", value + tail]], file: "in.csv")
            var encoder = StagedCSVEncoder(nullMarker: .emptyField)
            let error = try #require(throws: FrameError.self) { try encoder.append(batch) }
            #expect(error.kind == .nulCharacter)
            #expect(error.description.hasPrefix("in.csv:2:2: a value holds a NUL byte"))
            #expect(error.columnName == "note")
        }
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        let frame = try Frame(columns: [.text("note", ["ok", value])])
        let error = try #require(throws: FrameError.self) { try encoder.append(frame) }
        #expect(error.kind == .nulCharacter)
        #expect(error.line == 2)
    }

    @Test("a frame's lines count the line feeds inside its quoted values")
    func frameLineCount() throws {
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        try encoder.append(try Frame(columns: [.text("t", Self.trickyText)]))
        #expect(encoder.rowCount == Self.trickyText.count)
        #expect(encoder.lineCount == Self.trickyText.count + 2, "\"line\\nbreak\" and \"cr\\rlf\\r\\n\" hold one each")
        #expect(encoder.lineCount == encoder.takeOutput().filter { $0 == UInt8(ascii: "\n") }.count)
    }

    @Test("Redshift marker: NULL is an unquoted \\N and a literal \\N is quoted")
    func redshiftMarker() throws {
        let frame = try Frame(columns: [.bigint("id", [1, 2, 3, 4]), .text("t", [nil, "\\N", "", "x"])])
        #expect(try Self.encode(frame, .backslashN) == "1,\\N\n2,\"\\N\"\n3,\"\"\n4,x\n")
    }

    @Test("every type renders so that COPY reads the same value")
    func typedRendering() throws {
        let frame = try Frame(columns: [
            .boolean("b", [true, false, nil]),
            .smallint("s", [.min, .max, nil]),
            .bigint("i", [.min, .max, 0]),
            try .decimal(
                "d", precision: 38, scale: 2,
                [
                    ExactDecimal("-123456789012345678901234567890123456.78"),
                    ExactDecimal("0.5"), nil,
                ]),
            .double("f", [-0.0, .nan, 1e300]),
            .date("day", [CivilDate("2026-11-02"), nil, CivilDate("0001-01-01")]),
            .timestamp("ts", [Timestamp("2026-11-02 10:11:12.000001"), Timestamp("2026-11-02T10:11:12"), nil]),
            .timestamptz("tz", [Timestamp("2026-11-02 10:11:12.25+01:00", instant: true), nil, nil]),
            .json("j", ["{\"a\": [1, \"x\"]}", nil, "null"]),
        ])
        let lines = try Self.encode(frame, .emptyField).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines == [
                "true,-32768,-9223372036854775808,-123456789012345678901234567890123456.78,-0,2026-11-02,2026-11-02 10:11:12.000001,2026-11-02 09:11:12.250000+00,\"{\"\"a\"\": [1, \"\"x\"\"]}\"",
                "false,32767,9223372036854775807,0.5,NaN,,2026-11-02 10:11:12,,",
                ",,0,,1e+300,0001-01-01,,,null",
                "",
            ])
    }

    @Test("raw batches are written as given and typed by inference in the same pass")
    func batchInference() throws {
        var encoder = StagedCSVEncoder(nullMarker: .backslashN, pinnedTypes: ["zip": .text])
        try encoder.append(
            TextBatch(
                columnNames: ["id", "zip", "amount", "note"],
                rows: [
                    ["1", "02134", "1.50", nil],
                    ["2", "10001", nil, ""],
                ]))
        try encoder.append(
            TextBatch(
                columnNames: ["id", "zip", "amount", "note"],
                rows: [
                    ["70000", "99999", "-3", "a,\"b\""]
                ]))
        #expect(
            String(decoding: encoder.takeOutput(), as: UTF8.self)
                == "1,02134,1.50,\\N\n2,10001,\\N,\"\"\n70000,99999,-3,\"a,\"\"b\"\"\"\n")
        #expect(encoder.takeOutput().isEmpty)
        #expect(encoder.rowCount == 3)
        #expect(
            encoder.schema
                == Schema([
                    .init(name: "id", type: .integer, isNullable: false),
                    .init(name: "zip", type: .text, isNullable: false),
                    .init(name: "amount", type: .decimal(precision: 3, scale: 2), isNullable: true),
                    .init(name: "note", type: .text, isNullable: true),
                ]))
        #expect(encoder.inference["note"]?.maxByteLength == 5)
    }

    @Test("a batch adding columns extends the schema; earlier rows count as NULL there")
    func growingColumns() throws {
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        try encoder.append(TextBatch(columnNames: ["a"], rows: [["1"]]))
        try encoder.append(TextBatch(columnNames: ["a", "b"], rows: [["2", "x"]]))
        #expect(encoder.columnNames == ["a", "b"])
        #expect(encoder.inference["b"]?.nullCount == 1)
        #expect(encoder.schema["b"]?.isNullable == true)
        let error = #expect(throws: FrameError.self) {
            try encoder.append(TextBatch(columnNames: ["b", "a"], rows: [["y", "3"]]))
        }
        #expect(error?.kind == .shapeMismatch)
    }

    /// Random fields (NULL, empty, and up to 20 bytes with every character the staged CSV treats
    /// specially), the same rows in each CSV layout the reader takes.
    static func randomRows(seed: UInt64, rows: Int, columns: Int) -> [[String?]] {
        var generator = SampleFrame.Generator(seed: seed)
        let alphabet: [String] = ["a", "Z", "7", "0", ".", "-", ",", "\"", "\n", "\r", " ", "\t", "\\", "N", ";", "ü"]
        return (0..<rows).map { _ in
            (0..<columns).map { _ -> String? in
                switch Int.random(in: 0..<10, using: &generator) {
                case 0: return nil
                case 1: return ""
                case 2: return "\\N"
                default:
                    let length = Int.random(in: 1...20, using: &generator)
                    return (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                }
            }
        }
    }

    /// `rows` as CSV text: `delimiter`, `lineEnd`, fields quoted when they must be (or always).
    static func csvText(
        _ rows: [[String?]], names: [String], delimiter: Character, lineEnd: String,
        quoteAll: Bool, nullMarker: NullMarker
    ) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return nullMarker == .emptyField ? "" : "\\N" }
            let mustQuote = value.isEmpty ? nullMarker == .emptyField : value == "\\N" && nullMarker == .backslashN
            if quoteAll || mustQuote
                || value.utf8.contains(where: { $0 == delimiter.asciiValue! || Array("\"\r\n".utf8).contains($0) })
            {
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }
        let lines =
            [names.joined(separator: String(delimiter))]
            + rows.map { $0.map(field).joined(separator: String(delimiter)) }
        return lines.joined(separator: lineEnd) + lineEnd
    }

    @Test(
        "CSV in any layout is staged exactly as field by field",
        arguments: [
            (",", "\n", false), (",", "\r\n", false), (",", "\n", true), ("\t", "\n", false), (";", "\r\n", true),
        ] as [(String, String, Bool)])
    func stagedFromAnyLayout(delimiter: String, lineEnd: String, quoteAll: Bool) throws {
        let names = ["c1", "c2", "c3", "c4", "c5"]
        for readMarker in [NullMarker.emptyField, .backslashN] {
            for stagedMarker in [NullMarker.emptyField, .backslashN] {
                let rows = Self.randomRows(seed: 42, rows: 400, columns: names.count)
                let text = Self.csvText(
                    rows, names: names, delimiter: Character(delimiter), lineEnd: lineEnd,
                    quoteAll: quoteAll, nullMarker: readMarker)
                let options = CSVOptions(
                    delimiter: UInt8(ascii: Unicode.Scalar(delimiter)!), nullMarker: readMarker,
                    batchRows: 37, batchBytes: 1 << 20)
                let reader = try CSVReader(source: MemoryByteSource(Array(text.utf8), chunkSize: 997), options: options)
                var encoder = StagedCSVEncoder(
                    nullMarker: stagedMarker, pinnedTypes: Dictionary(uniqueKeysWithValues: names.map { ($0, .text) }))
                while let batch = try reader.next() { try encoder.append(batch) }

                var expected: [UInt8] = []
                for row in rows {
                    for (index, value) in row.enumerated() {
                        if index > 0 { expected.append(UInt8(ascii: ",")) }
                        if let value {
                            StagedCSVField.append(
                                Array(value.utf8), spelled: StagedCSVField.spelling(of: Array(value.utf8))!,
                                to: &expected)
                        } else {
                            expected.append(contentsOf: stagedMarker.bytes)
                        }
                    }
                    expected.append(UInt8(ascii: "\n"))
                }
                let staged = encoder.takeOutput()
                #expect(staged == expected, "read \(readMarker), staged \(stagedMarker)")
                #expect(
                    encoder.lineCount == expected.filter { $0 == UInt8(ascii: "\n") }.count, "lines as COPY counts them"
                )
                #expect(encoder.rowCount == rows.count)
            }
        }
    }
}
