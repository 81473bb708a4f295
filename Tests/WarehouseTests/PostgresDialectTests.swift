import Foundation
import Testing

@testable import Warehouse

/// PostgresDialect's statements run against the live server; each test works in its own schema.
@Suite("PostgreSQL dialect", .timeLimit(.minutes(5)))
struct PostgresDialectTests {
    let dialect = PostgresDialect()

    static let everyType: [ColumnDefinition] = [
        ColumnDefinition(name: "id", type: .bigint, isNullable: false),
        ColumnDefinition(name: "flag", type: .boolean),
        ColumnDefinition(name: "small", type: .smallint),
        ColumnDefinition(name: "quantity", type: .integer),
        ColumnDefinition(name: "amount", type: .decimal(precision: 38, scale: 4)),
        ColumnDefinition(name: "ratio", type: .double),
        ColumnDefinition(name: "code", type: .varchar(maxBytes: 32)),
        ColumnDefinition(name: "note", type: .text),
        ColumnDefinition(name: "sale_date", type: .date, isNullable: false),
        ColumnDefinition(name: "sold_at", type: .timestamp),
        ColumnDefinition(name: "seen_at", type: .timestamptz),
        ColumnDefinition(name: "payload", type: .json),
        ColumnDefinition(name: #"We"ird; DROP TABLE x; --"#, type: .text),
    ]

    /// A fresh schema on a fresh connection; dropped with everything in it when `body` ends.
    static func withSchema(_ body: (Connection, String) async throws -> Void) async throws {
        let connection = try await TestDatabase.connect()
        let schema = TestDatabase.uniqueName("dialect")
        try await connection.execute(PostgresDialect().createSchema(schema))
        do {
            try await body(connection, schema)
        } catch {
            _ = try? await connection.execute("DROP SCHEMA \(quoteIdentifier(schema)) CASCADE")
            throw error
        }
        try await connection.execute("DROP SCHEMA \(quoteIdentifier(schema)) CASCADE")
    }

    /// The table's columns as `tableColumns` and `sqlType` read them: name, type, nullability.
    func columns(of table: TableName, on connection: Connection) async throws -> [(String, SQLType?, Bool)] {
        try await connection.execute(dialect.tableColumns(table)).rows.map { row in
            (
                row[0] ?? "",
                dialect.sqlType(
                    dataType: row[1] ?? "", characterMaximumLength: row[2].flatMap { Int($0) },
                    numericPrecision: row[3].flatMap { Int($0) }, numericScale: row[4].flatMap { Int($0) },
                    datetimePrecision: row[7].flatMap { Int($0) }),
                row[5] == "YES"
            )
        }
    }

    @Test("a table of every type, hostile names included, reads back the types it was made with")
    func everyTypeRoundTrip() async throws {
        try await Self.withSchema { connection, schema in
            let table = TableName(schema: schema, table: #"sales"; DROP TABLE users; --"#)
            try await connection.execute(dialect.createTable(table, columns: Self.everyType))
            try await connection.execute(dialect.createTable(table, columns: Self.everyType))  // IF NOT EXISTS
            let back = try await columns(of: table, on: connection)
            #expect(back.map(\.0) == Self.everyType.map(\.name))
            #expect(back.map(\.1) == Self.everyType.map { dialect.storedType($0.type) })
            #expect(back.map(\.2) == Self.everyType.map(\.isNullable))
        }
    }

    @Test("add a column, then widen integer → bigint, numeric → wider numeric, smallint → text")
    func evolve() async throws {
        try await Self.withSchema { connection, schema in
            let table = TableName(schema: schema, table: "t")
            try await connection.execute(
                dialect.createTable(
                    table,
                    columns: [
                        ColumnDefinition(name: "n", type: .integer),
                        ColumnDefinition(name: "d", type: .decimal(precision: 10, scale: 2)),
                        ColumnDefinition(name: "s", type: .varchar(maxBytes: 8)),
                    ]))
            try await connection.execute("INSERT INTO \(table.quoted) VALUES (2147483647, 12345678.91, '-5')")
            try await connection.execute(
                dialect.addColumn(table, ColumnDefinition(name: "added", type: .date, isNullable: false)))
            let changes: [(String, SQLType, SQLType)] = [
                ("n", .integer, .bigint), ("d", .decimal(precision: 10, scale: 2), .decimal(precision: 14, scale: 4)),
                ("s", .varchar(maxBytes: 8), .text),
            ]
            try await connection.transaction { connection in
                for (column, from, to) in changes {
                    #expect(dialect.widening(from: from, to: to) == .insideTransaction)
                    try await connection.execute(dialect.alterColumnType(table, column: column, to: to))
                }
            }
            let back = try await columns(of: table, on: connection)
            #expect(back.map(\.1) == [.bigint, .decimal(precision: 14, scale: 4), .text, .date])
            #expect(back.last?.2 == true)
            let row = try await connection.execute("SELECT n, d, s, added FROM \(table.quoted)").rows
            #expect(row == [["2147483647", "12345678.9100", "-5", nil]])
        }
    }

    @Test("DELETE with a partition condition removes exactly that partition")
    func deletePartition() async throws {
        try await Self.withSchema { connection, schema in
            let table = TableName(schema: schema, table: "sales")
            try await connection.execute(
                dialect.createTable(
                    table,
                    columns: [
                        ColumnDefinition(name: "sale_date", type: .date), ColumnDefinition(name: "region", type: .text),
                    ]))
            try await connection.execute(
                "INSERT INTO \(table.quoted) SELECT DATE '2024-01-01' + d, r FROM generate_series(0, 2) d, "
                    + "unnest(ARRAY['eu', 'us']) r")
            let day = SQLCondition("\"sale_date\" = CAST($1 AS DATE)", ["2024-01-02"])
            let deleted = try await connection.execute(
                dialect.delete(table, where: day && SQLCondition("\"region\" = $1", ["eu"])))
            #expect(deleted.affectedRows == 1)
            #expect(try await connection.execute(dialect.delete(table, where: day)).affectedRows == 1)
            let left = try await connection.execute(
                dialect.select(["sale_date", "region"], from: table, where: nil, orderBy: ["sale_date", "region"]))
            #expect(
                left.rows == [
                    ["2024-01-01", "eu"], ["2024-01-01", "us"], ["2024-01-03", "eu"], ["2024-01-03", "us"],
                ])
            #expect(try await connection.execute(dialect.delete(table, where: nil)).affectedRows == 4)
        }
    }

    @Test("a second lock on the same name waits until the first transaction commits")
    func advisoryLock() async throws {
        let first = try await TestDatabase.connect()
        let second = try await TestDatabase.connect()
        let table = TableName(schema: "public", table: TestDatabase.uniqueName("lock"))
        try await first.execute("CREATE TABLE \(table.quoted) (id int)")
        let lockName = "\(table)/2024-01-02"
        try await second.execute("SET lock_timeout = '20s'")
        // Read before the waiter starts: the actor is busy for as long as its statement blocks.
        let pid = String(await second.backendPID)

        try await first.begin()
        try await first.execute(dialect.lock(table, lockName: lockName))
        let waiter = Task {
            try await second.transaction { connection in
                try await connection.execute(dialect.lock(table, lockName: lockName))
                return try await connection.execute("SELECT count(*) FROM \(table.quoted)").scalar
            }
        }
        // Wait until the server shows the second session waiting for the advisory lock.
        var waiting = false
        for _ in 0..<200 where !waiting {
            let count = try await first.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted", [pid]
            ).scalar
            waiting = count == "1"
            if !waiting { try await Task.sleep(nanoseconds: 25_000_000) }
        }
        #expect(waiting)
        // Another name is not blocked by it.
        let other = try await TestDatabase.connect()
        try await other.execute("SET lock_timeout = '2s'")
        _ = try await other.transaction { connection in
            try await connection.execute(dialect.lock(table, lockName: "\(table)/2024-01-03"))
        }
        try await first.execute("INSERT INTO \(table.quoted) VALUES (1)")
        try await first.commit()
        // The waiter got the lock only after the commit, so it sees the committed row.
        #expect(try await waiter.value == "1")
        try await first.execute("DROP TABLE \(table.quoted)")
    }

    @Test("merge: staged rows replace their keys and add new ones; the staging table is gone at commit")
    func merge() async throws {
        try await Self.withSchema { connection, schema in
            let table = TableName(schema: schema, table: "accounts")
            let columns = ["id", "region", "amount"]
            try await connection.execute(
                dialect.createTable(
                    table,
                    columns: [
                        ColumnDefinition(name: "id", type: .bigint), ColumnDefinition(name: "region", type: .text),
                        ColumnDefinition(name: "amount", type: .decimal(precision: 12, scale: 2)),
                    ]))
            try await connection.execute(
                "INSERT INTO \(table.quoted) VALUES (1, 'eu', 1.00), (2, 'eu', 2.00), (2, 'us', 20.00)")
            let staging = "stevedore_merge_test"
            try await connection.transaction { connection in
                try await connection.execute(dialect.createTemporaryTable(staging, like: table))
                let copied = try await connection.copyIn(
                    dialect.copyFromStdin(TableName(schema: "pg_temp", table: staging), columns: columns)
                ) { writer in
                    try await writer.write("2,eu,2.50\n3,us,\n")
                }
                #expect(copied == 2)
                try await connection.execute(
                    dialect.mergeDelete(target: table, staging: staging, keys: ["id", "region"]))
                try await connection.execute(dialect.insertSelect(into: table, columns: columns, from: staging))
            }
            let rows = try await connection.execute(dialect.select(columns, from: table, where: nil, orderBy: columns))
                .rows
            #expect(rows == [["1", "eu", "1.00"], ["2", "eu", "2.50"], ["2", "us", "20.00"], ["3", "us", nil]])
            #expect(try await connection.execute("SELECT to_regclass($1)", ["pg_temp.\(staging)"]).scalar == nil)
        }
    }

    @Test("COPY FROM STDIN with a column subset, then COPY TO STDOUT of a select with inlined values")
    func copyInAndOut() async throws {
        try await Self.withSchema { connection, schema in
            let table = TableName(schema: schema, table: "notes")
            try await connection.execute(
                dialect.createTable(
                    table,
                    columns: [
                        ColumnDefinition(name: "id", type: .integer), ColumnDefinition(name: "note", type: .text),
                        ColumnDefinition(name: "missing", type: .text), ColumnDefinition(name: "day", type: .date),
                    ]))
            let copied = try await connection.copyIn(dialect.copyFromStdin(table, columns: ["id", "note", "day"])) {
                writer in
                try await writer.write("1,\"\",2024-01-02\n2,,2024-01-02\n3,\"a\\'b\",2024-01-02\n4,x,2024-01-03\n")
            }
            #expect(copied == 4)
            let select = dialect.select(
                ["id", "note", "missing"], from: table,
                where: SQLCondition("\"day\" = CAST($1 AS DATE)", ["2024-01-02"]), orderBy: ["id"])
            #expect(
                try await connection.execute(select).rows
                    == [["1", ""], ["2", nil], ["3", "a\\'b"]].map { $0 + [nil] })
            var out: [UInt8] = []
            let rows = try await connection.copyOut(dialect.copyToStdout(try dialect.inlineParameters(select))) {
                out += $0
            }
            #expect(rows == 3)
            #expect(String(decoding: out, as: UTF8.self) == "1,\"\",\n2,,\n3,a\\'b,\n")
        }
    }

    @Test("inlined literals mean exactly the values, backslashes and quotes included")
    func inlineParameters() async throws {
        let connection = try await TestDatabase.connect()
        let values: [String?] = [#"a\'b"#, "it's", #"\N"#, nil, "ü🚀"]
        let statement = SQLStatement(#"SELECT $1::text AS "$2", $2::text, $3::text, $4::text, $5::text"#, values)
        let inlined = try dialect.inlineParameters(statement)
        #expect(inlined.contains(#""$2""#))
        let result = try await connection.execute(inlined)
        #expect(result.rows == [values])
        #expect(result.columns.first?.name == "$2")
    }
}

extension Connection {
    /// Runs a dialect's statement with its bind parameters.
    @discardableResult
    func execute(_ statement: SQLStatement) async throws -> QueryResult {
        try await execute(statement.sql, statement.parameters)
    }
}
