import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import Warehouse

@Suite("Statements against the live server", .timeLimit(.minutes(5)))
struct ExecuteTests {
    @Test("a bound value with quotes, backslashes and unicode comes back unchanged")
    func parameterRoundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let value = #"it's "quoted" \ back\\slash \n 'x'); DROP TABLE t; -- 日本語 ünïcödé 🚀 𝄞"#
        let result = try await connection.execute("SELECT $1::text AS v, $2::text AS n, length($1) AS l", [value, nil])
        #expect(result.rows == [[value, nil, String(value.count)]])
        #expect(result.columns.map(\.name) == ["v", "n", "l"])
        #expect(result.columns.map(\.typeOID) == [25, 25, 23])
        #expect(result.commandStatus == "SELECT 1")
    }

    @Test("a syntax error carries SQLSTATE 42601 and the statement")
    func syntaxError() async throws {
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.execute("SELEC 1 FROM nowhere")
        }
        #expect(error.code == .serverError)
        #expect(error.sqlState == "42601")
        #expect(error.message == #"syntax error at or near "SELEC""#)
        #expect(error.statement == "SELEC 1 FROM nowhere")
        #expect(error.position == 1)
        #expect(!error.isTransient)
        #expect(error.description.contains("SQLSTATE 42601"))
        // The connection stays usable after an error.
        #expect(try await connection.execute("SELECT 2").scalar == "2")
    }

    @Test("an undefined table names the table and its SQLSTATE")
    func undefinedTable() async throws {
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.execute("SELECT * FROM no_such_table_here WHERE id = $1", ["1"])
        }
        #expect(error.sqlState == "42P01")
        #expect(error.message == #"relation "no_such_table_here" does not exist"#)
    }

    @Test("hostile identifiers are quoted into plain names")
    func hostileIdentifiers() async throws {
        let connection = try await TestDatabase.connect()
        let table = #"we"ird; DROP TABLE x; -- "# + TestDatabase.uniqueName("t")
        let column = #"col "a", b"#
        try await connection.execute("CREATE TABLE \(quoteIdentifier(table)) (\(quoteIdentifier(column)) text)")
        try await connection.execute("INSERT INTO \(quoteIdentifier(table)) VALUES ($1)", ["v"])
        let result = try await connection.execute("SELECT * FROM \(quoteIdentifier(table))")
        #expect(result.columns.map(\.name) == [column])
        #expect(result.rows == [["v"]])
        let names = try await connection.execute(
            "SELECT count(*) FROM pg_class WHERE relname = $1", [table])
        #expect(names.scalar == "1")
        try await connection.execute("DROP TABLE \(quoteIdentifier(table))")
    }

    @Test("quoteIdentifier doubles quotes and wraps the name")
    func quoting() {
        #expect(quoteIdentifier("sales") == #""sales""#)
        #expect(quoteIdentifier(#"a"b"#) == #""a""b""#)
        #expect(quoteIdentifier(#""""#) == #""""""""#)
        #expect(quoteIdentifier("") == #""""#)
        #expect(quoteQualifiedIdentifier(["analytics", "daily"]) == #""analytics"."daily""#)
    }

    @Test("a NUL byte in a parameter is refused before it reaches the server")
    func nulParameter() async throws {
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.execute("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(error.code == .invalidRequest)
        #expect(error.message.contains("parameter $1"))
    }

    @Test("server notices reach the logger")
    func notices() async throws {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        try TestServices.require("PGHOST")
        let connection = try await Connection.connect("", logger: logger)
        try await connection.execute("DO $$ BEGIN RAISE NOTICE 'hello from %', 'the server'; END $$")
        let messages = handler.entries.map(\.message.description)
        #expect(messages.contains("server notice: hello from the server"))
    }

    @Test("cancelling the task cancels the running statement")
    func cancellation() async throws {
        let connection = try await TestDatabase.connect()
        let pid = await connection.backendPID
        let started = ContinuousClock.now
        let task = Task {
            try await connection.execute("SELECT pg_sleep(30)")
        }
        #expect(try await TestDatabase.waitUntilRunning(pid: pid, "pg_sleep(30)"))
        task.cancel()
        let result = await task.result
        let error = try #require(throws: WarehouseError.self) { try result.get() }
        #expect(error.code == .cancelled)
        // 57014 when the server cancelled it; none when it was stopped before it was sent.
        #expect(error.sqlState == "57014" || error.sqlState == nil)
        #expect(ContinuousClock.now - started < .seconds(25))
        #expect(try await connection.execute("SELECT 1").scalar == "1")
    }

    @Test("libpq calls run on the connection's own thread, not the cooperative pool")
    func ownThread() async throws {
        let connection = try await TestDatabase.connect()
        var offThread = 0
        for _ in 0..<200 {
            if !(await connection.isOnOwnThread()) { offThread += 1 }
            try await connection.execute("SELECT 1")
        }
        #expect(offThread == 0)
    }

    @Test("a closed connection refuses statements")
    func closed() async throws {
        let connection = try await TestDatabase.connect()
        #expect(await connection.isOpen)
        await connection.close()
        #expect(await !connection.isOpen)
        let error = try await #require(throws: WarehouseError.self) { try await connection.execute("SELECT 1") }
        #expect(error.code == .invalidState)
    }

    @Test("an unreachable server gives connectionFailed naming host and port")
    func unreachable() async throws {
        let error = try await #require(throws: WarehouseError.self) {
            try await Connection.connect("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=3")
        }
        #expect(error.code == .connectionFailed)
        #expect(error.isTransient)
        #expect(error.message.contains("127.0.0.1"))
        #expect(error.message.contains("port 1"))
    }
}
