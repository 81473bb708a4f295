import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// A read of a table (unload, export, load back) beside a load whose DDL rewrites the table, on
/// PostgreSQL: it waits for the load to commit and then reads the new rows, never an empty table.
@Suite("Loader: reads beside a load's DDL", .timeLimit(.minutes(5)))
struct ReadIsolationTests {
    @Test(
        "an unload waiting for a load that rewrites the table (smallint to integer) reads the new rows, not an empty table"
    )
    func unloadWaitsForRewrite() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let load = try await fixture.connection()
            try await withCleanUp({ await load.close() }) {
                try await load.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(fixture.schema))")
                try await load.execute("CREATE TABLE \(table.quoted) (id smallint, day date)")
                try await load.execute(
                    "INSERT INTO \(table.quoted) SELECT i, '2024-01-01' FROM generate_series(1, 5) i")
                // What a load whose ids outgrow smallint does in its transaction: the DDL rewrites the table.
                try await load.begin()
                try await load.execute("DELETE FROM \(table.quoted)")
                try await load.execute("ALTER TABLE \(table.quoted) ALTER COLUMN id TYPE integer")
                try await load.execute(
                    "INSERT INTO \(table.quoted) SELECT i, '2024-01-02' FROM generate_series(40001, 40003) i")

                let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "isolation-\(UUID().uuidString).csv")
                defer { try? FileManager.default.removeItem(at: file) }
                let loader = fixture.loader
                let unload = Task { try await loader.unload(table, toFile: file.path) }
                // The unload is waiting for the load's lock on the table before the load commits.
                let watcher = try await fixture.connection()
                try await withCleanUp({ await watcher.close() }) {
                    var waiting = false
                    for _ in 0..<200 where !waiting {
                        waiting =
                            try await watcher.execute(
                                "SELECT count(*) FROM pg_locks WHERE relation = $1::regclass AND NOT granted",
                                [table.quoted]
                            ).scalar != "0"
                        if !waiting { try await Task.sleep(for: .milliseconds(25)) }
                    }
                    #expect(waiting, "the unload never waited for the load's lock")
                    try await load.commit()

                    let (schema, rows) = try await unload.value
                    #expect(rows == 3, "a snapshot from before the rewrite sees the table empty")
                    let text = try String(contentsOf: file, encoding: .utf8)
                    #expect(
                        text.split(separator: "\n").sorted() == [
                            "40001,2024-01-02", "40002,2024-01-02", "40003,2024-01-02",
                        ])
                    // The columns are read after the DDL too.
                    #expect(schema.fields.map(\.type) == [.integer, .date])
                }
            }
        }
    }

    @Test("a view and a foreign table (which cannot be locked) unload their rows")
    func viewAndForeignTable() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let connection = try await fixture.connection()
            try await withCleanUp({ await connection.close() }) {
                let schema = quoteIdentifier(fixture.schema)
                // file_fdw reads the file on the server, which runs on this machine.
                let source = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "foreign-\(UUID().uuidString).csv")
                try Data("7,seven\n8,eight\n".utf8).write(to: source)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: source.path)
                defer { try? FileManager.default.removeItem(at: source) }
                try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
                try await connection.execute("CREATE TABLE \(schema).\"base\" (id integer, name text)")
                try await connection.execute("INSERT INTO \(schema).\"base\" VALUES (1, 'one'), (2, 'two')")
                try await connection.execute(
                    "CREATE VIEW \(schema).\"named\" AS SELECT id, upper(name) AS name FROM \(schema).\"base\"")
                try await connection.execute("CREATE EXTENSION IF NOT EXISTS file_fdw")
                let server = quoteIdentifier(fixture.schema + "_files")
                try await connection.execute("CREATE SERVER \(server) FOREIGN DATA WRAPPER file_fdw")
                try await connection.execute(
                    "CREATE FOREIGN TABLE \(schema).\"outside\" (id integer, name text) SERVER \(server) "
                        + "OPTIONS (filename '\(source.path)', format 'csv')")
                let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "isolation-\(UUID().uuidString).csv")
                defer { try? FileManager.default.removeItem(at: file) }
                for (name, expected) in [("named", ["1,ONE", "2,TWO"]), ("outside", ["7,seven", "8,eight"])] {
                    let (_, rows) = try await fixture.loader.unload(fixture.table(name), toFile: file.path)
                    #expect(rows == 2, "\(name)")
                    #expect(
                        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
                            == expected, "\(name)")
                }
                try await connection.execute("DROP SERVER \(server) CASCADE")
            }
        }
    }

    @Test("an unload of a table that does not exist, or in a schema that does not exist, says so")
    func missingTable() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "isolation-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            for table in [fixture.table("absent"), TableRef(schema: fixture.schema + "_absent", table: "sales")] {
                let error = try await #require(throws: StevedoreError.self) {
                    try await fixture.loader.unload(table, toFile: file.path)
                }
                #expect(error.code == .invalidRequest)
                #expect(error.message == "the table does not exist")
                #expect(error.table == table.description)
            }
        }
    }
}
