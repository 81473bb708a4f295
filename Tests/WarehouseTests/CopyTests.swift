import Testing

@testable import Warehouse

@Suite("COPY in and out", .timeLimit(.minutes(5)))
struct CopyTests {
    /// 100,000 rows of CSV in exactly the form PostgreSQL's COPY TO writes it, with quoted commas,
    /// quotes and newlines, empty strings (`""`) and NULLs (nothing).
    static func canonicalCSV(rows: Int) -> [UInt8] {
        var text = ""
        text.reserveCapacity(rows * 60)
        for id in 1...rows {
            let name: String
            switch id % 5 {
            case 0: name = "\"comma, \"\"quote\"\" and\nnewline \(id)\""
            case 1: name = "\"\""
            case 2: name = ""
            case 3: name = "plain-\(id)-ü🚀"
            default: name = "\"line\r\nbreak\""
            }
            let amount = id % 7 == 0 ? "" : "\(id / 100).\(String(format2: id % 100))"
            text += "\(id),\(name),\(amount),2026-11-\(String(format2: id % 28 + 1))\n"
        }
        return Array(text.utf8)
    }

    /// Sends `bytes` in chunks of 64 KiB.
    static func send(_ bytes: [UInt8], to writer: CopyInWriter) async throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + 64 * 1024, bytes.count)
            try await writer.write(Array(bytes[offset..<end]))
            offset = end
        }
    }

    @Test("100,000 rows in 64 KiB chunks come back byte-identical")
    func roundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("copy"))
        try await connection.execute(
            "CREATE TABLE \(table) (id bigint PRIMARY KEY, name text, amount numeric(12,2), day date)")
        let csv = Self.canonicalCSV(rows: 100_000)
        let copied = try await connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv)") { writer in
            try await Self.send(csv, to: writer)
        }
        #expect(copied == 100_000)
        #expect(try await connection.execute("SELECT count(*) FROM \(table) WHERE name IS NULL").scalar == "20000")
        #expect(try await connection.execute("SELECT count(*) FROM \(table) WHERE name = ''").scalar == "20000")

        var back: [UInt8] = []
        var chunks = 0
        let rows = try await connection.copyOut(
            "COPY (SELECT * FROM \(table) ORDER BY id) TO STDOUT (FORMAT csv)", chunkSize: 64 * 1024
        ) { chunk in
            back += chunk
            chunks += 1
        }
        #expect(rows == 100_000)
        #expect(chunks > 10)
        #expect(back.count == csv.count)
        #expect(back == csv)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a COPY that fails on row 50,000 loads nothing and names the line")
    func failingRow() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("copy_fail"))
        try await connection.execute("CREATE TABLE \(table) (id int, label text)")
        var text = ""
        for id in 1...100_000 {
            text += id == 50_000 ? "not-a-number,x\n" : "\(id),row \(id)\n"
        }
        let csv = Array(text.utf8)
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv)") { writer in
                try await Self.send(csv, to: writer)
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(error.copyLine == 50_000)
        #expect(error.message.contains("not-a-number"))
        #expect(error.context?.contains("line 50000") == true)
        #expect(try await connection.execute("SELECT count(*) FROM \(table)").scalar == "0")
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a rejected jsonb value: the COPY's line, column and value, not the JSON parser's line")
    func rejectedJSONValue() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("copy_json"))
        try await connection.execute("CREATE TABLE \(table) (id int, doc jsonb)")
        let csv = Array("1,\"{\"\"a\"\": [1, 2]}\"\n2,\"{\"\"b\"\": 1}\"\n3,{oops\n".utf8)
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv)") { writer in
                try await Self.send(csv, to: writer)
            }
        }
        // The context's first line is the JSON parser's ("JSON data, line 1: {oops").
        #expect(error.context?.hasPrefix("JSON data, line 1") == true, "\(error.context ?? "")")
        #expect(error.copyLine == 3)
        #expect(error.copyColumn == "doc")
        #expect(error.copyValue == "\"{oops\"")
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("an error thrown while feeding aborts the COPY and keeps the connection usable")
    func feederThrows() async throws {
        struct SourceFailed: Error {}
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("copy_abort"))
        try await connection.execute("CREATE TABLE \(table) (id int)")
        await #expect(throws: SourceFailed.self) {
            try await connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv)") { writer in
                try await writer.write("1\n2\n3\n")
                throw SourceFailed()
            }
        }
        #expect(try await connection.execute("SELECT count(*) FROM \(table)").scalar == "0")
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a consumer that throws cancels COPY TO and keeps the connection usable")
    func consumerThrows() async throws {
        struct SinkFailed: Error {}
        let connection = try await TestDatabase.connect()
        var seen = 0
        await #expect(throws: SinkFailed.self) {
            _ = try await connection.copyOut(
                "COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 2000000) g) TO STDOUT", chunkSize: 16 * 1024
            ) { _ in
                seen += 1
                if seen == 3 { throw SinkFailed() }
            }
        }
        #expect(seen == 3)
        #expect(try await connection.execute("SELECT 42").scalar == "42")
    }

    @Test("cancelling the task stops a COPY TO whose query has not produced a row yet")
    func cancelBeforeFirstRow() async throws {
        let connection = try await TestDatabase.connect()
        let pid = await connection.backendPID
        let started = ContinuousClock.now
        let task = Task {
            try await connection.copyOut("COPY (SELECT pg_sleep(30), 1) TO STDOUT") { _ in }
        }
        #expect(try await TestDatabase.waitUntilRunning(pid: pid, "pg_sleep(30)"))
        task.cancel()
        let error = try await #require(throws: WarehouseError.self) { try await task.value }
        #expect(error.sqlState == "57014" || error.code == .cancelled, "\(error)")
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(try await connection.execute("SELECT 5").scalar == "5")
    }

    @Test("COPY through execute is refused and the connection recovers")
    func copyThroughExecute() async throws {
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.execute("COPY (SELECT 1) TO STDOUT")
        }
        #expect(error.code == .invalidRequest)
        #expect(try await connection.execute("SELECT 7").scalar == "7")
    }

    @Test("a statement while a COPY is open is refused")
    func busyDuringCopy() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("copy_busy"))
        try await connection.execute("CREATE TABLE \(table) (id int)")
        let rows = try await connection.copyIn("COPY \(table) FROM STDIN") { writer in
            try await writer.write("1\n")
            let error = try await #require(throws: WarehouseError.self) { try await connection.execute("SELECT 1") }
            #expect(error.code == .invalidState)
        }
        #expect(rows == 1)
        try await connection.execute("DROP TABLE \(table)")
    }
}

extension String {
    /// Two-digit zero-padded decimal.
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
