import Testing

@testable import Warehouse

@Suite("Transactions", .timeLimit(.minutes(5)))
struct TransactionTests {
    struct Boom: Error {}

    @Test("a transaction that throws leaves no rows and rethrows")
    func rollbackOnThrow() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("tx"))
        try await connection.execute("CREATE TABLE \(table) (id int)")
        await #expect(throws: Boom.self) {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO \(table) VALUES ($1), ($2), ($3)", ["1", "2", "3"])
                #expect(try await connection.execute("SELECT count(*) FROM \(table)").scalar == "3")
                throw Boom()
            }
        }
        #expect(try await connection.execute("SELECT count(*) FROM \(table)").scalar == "0")
        #expect(await connection.transactionStatus == .idle)
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a transaction that returns commits its rows and its value")
    func commitOnReturn() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("tx"))
        try await connection.execute("CREATE TABLE \(table) (id int)")
        let inserted = try await connection.transaction { connection in
            try await connection.execute("INSERT INTO \(table) SELECT generate_series(1, 5)").affectedRows
        }
        #expect(inserted == 5)
        let other = try await TestDatabase.connect()
        #expect(try await other.execute("SELECT sum(id) FROM \(table)").scalar == "15")
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("a failed statement whose error was swallowed makes COMMIT report the rollback")
    func commitOfFailedTransaction() async throws {
        let connection = try await TestDatabase.connect()
        let table = quoteIdentifier(TestDatabase.uniqueName("tx"))
        try await connection.execute("CREATE TABLE \(table) (id int)")
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO \(table) VALUES (1)")
                _ = try? await connection.execute("SELECT 1/0")
            }
        }
        #expect(error.code == .transactionRolledBack)
        #expect(try await connection.execute("SELECT count(*) FROM \(table)").scalar == "0")
        try await connection.execute("DROP TABLE \(table)")
    }

    @Test("begin inside an open transaction is refused")
    func nestedBegin() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.begin()
        #expect(await connection.transactionStatus == .inTransaction)
        let error = try await #require(throws: WarehouseError.self) { try await connection.begin() }
        #expect(error.code == .invalidState)
        try await connection.rollback()
        #expect(await connection.transactionStatus == .idle)
    }
}
