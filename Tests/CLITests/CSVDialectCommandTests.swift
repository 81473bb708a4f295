import Foundation
import Testing

/// `stevedore load` of CSV as other people's tools write it, each dialect flag with a file in that
/// dialect, compared row by row with what the table holds afterwards.
@Suite("stevedore load: CSV dialects", .timeLimit(.minutes(5)))
struct CSVDialectCommandTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var file: String
        var bytes: [UInt8]
        var flags: [String]
        /// The table's rows as `unload --format jsonl` prints them, in `id` order.
        var rows: [String]
        var testDescription: String { name }
    }

    static func utf16LE(_ text: String) -> [UInt8] {
        [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    static let cases: [Case] = [
        Case(
            name: "LibreOffice, semicolons and decimal commas: --delimiter ';'", file: "prices.csv",
            bytes: Array("id;name;price\n1;\"Müller; Söhne\";1234,56\n2;Dupont;0,5\n".utf8),
            flags: ["--delimiter", ";"],
            rows: [#"{"id":1,"name":"Müller; Söhne","price":"1234,56"}"#, #"{"id":2,"name":"Dupont","price":"0,5"}"#]),
        Case(
            name: "Excel EU, Windows-1252 with € and é: --delimiter ';' --encoding cp1252", file: "excel.csv",
            bytes: Array("id;item;price\r\n1;Caf".utf8) + [0xE9] + Array(";".utf8) + [0x80]
                + Array(" 3,20\r\n2;\"Th".utf8) + [0xE9, 0x3B, 0x20, 0x93, 0x76, 0x65, 0x72, 0x74, 0x94]
                + Array("\";\r\n".utf8),
            flags: ["--delimiter", ";", "--encoding", "cp1252"],
            rows: [#"{"id":1,"item":"Café","price":"€ 3,20"}"#, #"{"id":2,"item":"Thé; “vert”","price":null}"#]),
        Case(
            name: "Latin-1 with é: --encoding latin-1", file: "latin1.csv",
            bytes: Array("id,city\n1,Orl".utf8) + [0xE9] + Array("ans\n2,Z".utf8) + [0xFC] + Array("rich\n".utf8),
            flags: ["--encoding", "latin-1"],
            rows: [#"{"id":1,"city":"Orléans"}"#, #"{"id":2,"city":"Zürich"}"#]),
        Case(
            name: "Excel's Unicode text, UTF-16LE with a BOM, tabs: --encoding utf-16 --delimiter tab",
            file: "unicode.txt",
            bytes: utf16LE("id\tname\tnote\r\n1\tRené\t🚀 launch\r\n2\t€uro\t\"tab\there\"\r\n"),
            flags: ["--encoding", "utf-16", "--delimiter", "tab"],
            rows: [#"{"id":1,"name":"René","note":"🚀 launch"}"#, #"{"id":2,"name":"€uro","note":"tab\there"}"#]),
        Case(
            name: "a .tsv file: tab by its extension, no flag", file: "export.tsv",
            bytes: Array("id\tname\tamount\n1\tx, y\t10.5\n2\t\t7\n".utf8), flags: [],
            rows: [#"{"id":1,"name":"x, y","amount":10.5}"#, #"{"id":2,"name":null,"amount":7}"#]),
        Case(
            name: "MySQL SELECT … INTO OUTFILE: tabs, \\N, backslash escapes, no header", file: "outfile.txt",
            bytes: Array("1\tplain\t\\N\n2\ttab\\\there\t\n3\tback\\\\slash\t\\\\N\n".utf8),
            flags: [
                "--delimiter", "\\t", "--escape", "\\", "--null", "\\N", "--no-header", "--columns", "id,note,extra",
            ],
            rows: [
                #"{"id":1,"note":"plain","extra":null}"#, #"{"id":2,"note":"tab\there","extra":""}"#,
                #"{"id":3,"note":"back\\slash","extra":"\\N"}"#,
            ]),
        Case(
            name: "Python's csv.writer(escapechar='\\\\', doublequote=False): --escape '\\'", file: "escaped.csv",
            bytes: Array("id,quote\n1,\"she said \\\"hi\\\"\"\n2,\"C:\\\\temp\"\n".utf8),
            flags: ["--escape", "\\"],
            rows: [#"{"id":1,"quote":"she said \"hi\""}"#, #"{"id":2,"quote":"C:\\temp"}"#]),
        Case(
            name: "R's write.csv, NA for missing: --null NA", file: "r.csv",
            bytes: Array("\"id\",\"name\",\"score\"\n1,\"NA\",NA\n2,\"\",3.5\n".utf8),
            flags: ["--null", "NA"],
            rows: [#"{"id":1,"name":"NA","score":null}"#, #"{"id":2,"name":"","score":3.5}"#]),
        Case(
            name: "single quotes: --quote \"'\"", file: "quoted.csv",
            bytes: Array("id,name\n1,'a, b'\n2,'it''s'\n".utf8), flags: ["--quote", "'"],
            rows: [#"{"id":1,"name":"a, b"}"#, #"{"id":2,"name":"it's"}"#]),
        Case(
            name: "a spreadsheet's header: --names snake_case", file: "orders.csv",
            bytes: Array("Order ID,CustomerName,Total (EUR)\n7,Ann,1.5\n".utf8), flags: ["--names", "snake_case"],
            rows: [#"{"order_id":7,"customer_name":"Ann","total_eur":1.5}"#]),
    ]

    @Test("each dialect loads into PostgreSQL exactly", arguments: cases)
    func dialect(_ example: Case) async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-dialect-\(schema)"
        let file = try CLI.file(example.file, "")
        try Data(example.bytes).write(to: file)
        let table = "\(schema).t"
        let load = try await CLI.run(
            ["load", file.path, "--table", table, "--stage", stage, "--quiet"] + example.flags)
        #expect(load.status == 0, "\(load.stderr)")
        let back = try await CLI.run(["unload", "--table", table, "--stage", stage, "--format", "jsonl"])
        #expect(back.status == 0, "\(back.stderr)")
        let rows = back.stdout.split(separator: "\n").map(String.init).sorted { Self.id($0) < Self.id($1) }
        #expect(rows == example.rows)
    }

    /// The number after the first `:` of a JSON row (its first column, `id`).
    static func id(_ row: String) -> Int {
        Int(row.drop(while: { $0 != ":" }).dropFirst().prefix(while: \.isNumber)) ?? -1
    }

    @Test("a dialect that cannot work is a usage error naming the flag, before anything is read")
    func refused() async throws {
        let nowhere = ["PGHOST": "127.0.0.1", "PGPORT": "1", "STEVEDORE_WAREHOUSE": ""]
        let cases: [([String], String)] = [
            (["--delimiter", "\""], "--delimiter must not be the quote character"),
            (["--delimiter", "\n"], "--delimiter must be one ASCII character other than CR and LF"),
            (["--delimiter", "\r"], "--delimiter must be one ASCII character other than CR and LF"),
            (
                ["--delimiter", "§"],
                "--delimiter must be one ASCII character other than CR and LF (or \\t, tab), not '§'"
            ),
            (["--delimiter", ";;"], "--delimiter must be one ASCII character"),
            (["--delimiter", "'", "--quote", "'"], "--delimiter must not be the quote character"),
            (["--escape", ","], "--delimiter must not be the escape character"),
            (["--quote", "ab"], "--quote must be one ASCII character"),
            (["--null", "a,b"], "--null must not hold the delimiter"),
            (["--no-header"], "--no-header needs --columns"),
            (["--columns", "a,b"], "--columns names the columns of input without a header: add --no-header"),
            (["--encoding", "ebcdic"], "--encoding 'ebcdic' is not one of utf-8"),
            (["--names", "camel"], "--names 'camel' is not keep or snake_case"),
            (["--format", "jsonl", "--delimiter", ";"], "--delimiter applies to CSV only"),
        ]
        for (flags, text) in cases {
            for command in ["load", "plan"] {
                let result = try await CLI.run(
                    [command, "missing.csv", "--table", "s.t"] + flags, environment: nowhere)
                BadInputTests.expectUsageError(result, command: command, mentioning: text)
            }
        }
    }

    @Test("a byte the encoding lacks fails the load naming file, line and offset; the table is unchanged")
    func invalidEncoding() async throws {
        let guarded = try await BadInputTests.Guarded()
        // 0x81 has no character in Windows-1252.
        let file = try CLI.file("bad1252.csv", "")
        try Data(Array("id,sale_date,region,amount\n4,2024-01-03,eu,1\n5,2024-01-03,".utf8) + [0x81] + [0x0A])
            .write(to: file)
        let result = try await CLI.run([
            "load", file.path, "--table", guarded.table, "--stage", guarded.stage, "--encoding", "windows-1252",
        ])
        BadInputTests.expectOneLineError(
            result, status: 65, mentioning: "bad1252.csv:3: invalid windows-1252 byte(s) 0x81 at byte offset 58")
        try await guarded.expectUnchanged()
    }

    @Test("plan reads the same dialect")
    func plan() async throws {
        try CLI.requireServices()
        let file = try CLI.file("plan.tsv", "Order ID\tAmount\n1\t2.5\n")
        let result = try await CLI.run([
            "plan", file.path, "--table", "\(CLI.uniqueSchema()).t", "--names", "snake_case",
            "--stage", "file://\(FileManager.default.temporaryDirectory.path)/cli-dialect-plan",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  order_id  bigint\n  amount    numeric"), "\(result.stdout)")
    }
}
