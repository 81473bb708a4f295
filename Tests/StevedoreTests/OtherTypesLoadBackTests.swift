import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// Tables with column types Stevedore has no frame type for load back through the library too.
@Suite("Loader: other column types", .timeLimit(.minutes(5)))
struct OtherTypesLoadBackTests {
    @Test(
        "Loader.load of a table with uuid, interval, inet, an array and jsonb: text, an interval's length, JSON; a frame stores into it"
    )
    func loadBack() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("other")
            let connection = try await fixture.connection()
            try await withCleanUp({ await connection.close() }) {
                try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(fixture.schema))")
                try await connection.execute(
                    "CREATE TABLE \(table.quoted) (id uuid, span interval, ip inet, tags text[], doc jsonb, n numeric)")
                try await connection.execute(
                    "INSERT INTO \(table.quoted) VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
                        + "'1 day 02:00', '10.0.0.1', '{a,b}', '{\"k\": 1}', 7.50)")
                let frame = try await fixture.loader.load(table)
                #expect(frame.columns.map(\.type) == [.text, .interval, .text, .text, .json, .numeric])
                #expect(
                    frame.columns.map { $0.values[0].map { "\($0)" } } == [
                        // An interval is a length of time: a day counts 24 hours.
                        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "26:00:00", "10.0.0.1", "{a,b}", #"{"k": 1}"#,
                        "7.5",
                    ])
                // The same frame goes back in: its text columns load into the table's own types.
                let report = try await fixture.loader.store(frame, into: table, mode: .append)
                #expect(report.rows == 1)
                #expect(try await fixture.rows(table, orderBy: "1").count == 2)
                #expect(
                    try await connection.execute(
                        "SELECT count(DISTINCT id) || ' ' || count(DISTINCT span) FROM \(table.quoted)"
                    ).scalar
                        == "1 1")
            }
        }
    }
}
