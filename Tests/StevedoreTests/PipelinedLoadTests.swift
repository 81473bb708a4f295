import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// The pipelined load on PostgreSQL (each batch copied while the next is encoded), beside the
/// sequential one: the same rows, types and ledger, and the same all-or-nothing.
@Suite("Loader: pipelined copy on PostgreSQL", .timeLimit(.minutes(5)))
struct PipelinedLoadTests {
    /// CSV text: `id,value,extra`. Rows before `widenAt` have integer values and no `extra` (but the
    /// first, with `extraInFirstRow`); from there on the value is text and `extra` is set (so the
    /// type widens and a column appears late).
    static func csv(
        rows: Int, widenAt: Int, day: String = "2024-01-01", badDayAt: Int? = nil,
        extraInFirstRow: Bool = false
    ) -> String {
        var text = "id,day,value,extra\n"
        for index in 1...rows {
            let value = index < widenAt ? "\(index * 3)" : "v\(index)"
            let extra = index < widenAt && !(extraInFirstRow && index == 1) ? "" : "x\(index % 7)"
            let rowDay = index == badDayAt ? "2030-12-31" : day
            text += "\(index),\(rowDay),\(value),\(extra)\n"
        }
        return text
    }

    func load(
        _ fixture: LoaderFixture, _ text: String, into table: TableRef, pipelined: Bool,
        partition: PartitionSpec? = nil
    ) async throws -> LoadReport {
        try await fixture.store(text, into: table, partition: partition) {
            $0.pipelinedCopy = pipelined
            $0.partSize = 4 * 1024
        }
    }

    @Test(
        "many parts, a type that widens and a column that appears late: the copy falls back, the same table as the sequential load"
    )
    func sameAsSequential() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            // `extra` has a value in the first part, so that the copy starts before the values turn to
            // text (a column with no value would hold the batches until it had one).
            let text = Self.csv(rows: 6000, widenAt: 4000, extraInFirstRow: true)
            let pipelined = try await load(fixture, text, into: fixture.table("pipelined"), pipelined: true)
            let sequential = try await load(fixture, text, into: fixture.table("sequential"), pipelined: false)
            #expect(pipelined.parts > 5)
            // The widening after the first part sends the load to the sequential copy of the whole stage.
            #expect(pipelined.phases.map(\.name).contains("delete+copy"))
            #expect(sequential.phases.map(\.name).first == "encode+stage")
            #expect(pipelined.rows == 6000 && sequential.rows == 6000)
            #expect(
                try await fixture.checksum(fixture.table("pipelined")) == fixture.checksum(fixture.table("sequential")))
            let connection = try await fixture.connection()
            let types = try await connection.execute(
                "SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
                    + "FROM information_schema.columns WHERE table_schema = $1 GROUP BY table_name ORDER BY table_name",
                [fixture.schema]
            ).rows.map { $0[1] }
            #expect(types.count >= 2 && types.allSatisfy { $0 == types[0] }, "\(types)")
            #expect(types.first??.contains("value text") == true)
            #expect(try await fixture.ledger(fixture.table("pipelined")).map { $0[2] } == ["6000"])
            #expect(try await fixture.stagedKeys().isEmpty)
        }
    }

    @Test("a row outside the partition in a late part rolls back the parts already copied: the table is as before")
    func lateFailureRollsBack() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("sales")
            let partition = PartitionSpec.day("2024-01-01", column: "day")
            _ = try await load(
                fixture, Self.csv(rows: 100, widenAt: 1000), into: table, pipelined: true, partition: partition)
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await load(
                    fixture, Self.csv(rows: 6000, widenAt: 100_000, badDayAt: 5900), into: table, pipelined: true,
                    partition: partition)
            }
            #expect(error.code == .rowOutsidePartition)
            #expect(error.description.contains("2030-12-31"))
            #expect(try await fixture.checksum(table) == before)
            #expect(try await fixture.ledger(table).count == 1)
        }
    }

    @Test(
        "a row the server rejects in a late part names that part and its line, quoted newlines of earlier parts counted"
    )
    func rejectedLineInLatePart() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("notes")
            func text(_ ids: ClosedRange<Int>) -> String {
                "id,note\n" + ids.map { $0 % 10 == 0 ? "\($0),\"two\nlines \($0)\"\n" : "\($0),note \($0)\n" }.joined()
            }
            _ = try await load(fixture, text(1...20), into: table, pipelined: true)
            let connection = try await fixture.connection()
            try await connection.execute("ALTER TABLE \(table.quoted) ADD CONSTRAINT not_that_one CHECK (id <> 5555)")
            let before = try await fixture.checksum(table)
            let error = try await #require(throws: StevedoreError.self) {
                try await load(fixture, text(21...6000), into: table, pipelined: true)
            }
            #expect(error.step == .copy)
            #expect(error.message.contains("23514"))
            let named = try #require(error.message.firstMatch(of: /, line (\d+) of (part-\d+\.csv\.gz)\)/))
            // The input's line too: the header, 5554 rows before it (from 21), and a line more for
            // each of their multi-line notes (every tenth row: 25 to 5550 of them, 553 in all).
            let input = try #require(error.message.firstMatch(of: /\(line (\d+) of [^,]+fixture-[^,]+\.csv,/))
            #expect(Int(input.output.1) == 1 + (5555 - 21) + 553 + 1, "\(error.message)")
            #expect(named.output.2 != "part-00001.csv.gz", "the row is in a late part")
            // That line of that part, counted as the server counts (physical lines), is the rejected row.
            let key = try #require(try await fixture.stagedKeys().first { $0.hasSuffix("/" + named.output.2) })
            let part = String(
                decoding: try Gzip.decompress(try await fixture.loader.stage.getBytes(key)), as: UTF8.self)
            let lines = part.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[Int(named.output.1)! - 1].hasPrefix("5555,"), "\(error.message)")
            #expect(try await fixture.checksum(table) == before)
        }
    }

    @Test("a CSV with a header and no rows creates the table with its columns, on both paths")
    func headerOnly() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            for pipelined in [true, false] {
                let table = fixture.table(pipelined ? "empty_pipelined" : "empty_sequential")
                let report = try await load(fixture, "id,name\n", into: table, pipelined: pipelined)
                #expect(report.rows == 0 && report.parts == 0)
                // No fallback to the sequential copy for a header: the pipelined load creates the table itself.
                #expect(
                    report.phases.map(\.name).first == (pipelined ? "stage+copy" : "encode+stage"), "\(report.phases)")
                let connection = try await fixture.connection()
                let columns = try await connection.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
                        + "ORDER BY ordinal_position", [fixture.schema, table.table]
                ).rows.map { $0[0] }
                #expect(columns == ["id", "name"], "pipelined: \(pipelined)")
                _ = try await load(fixture, "id,name\n7,seven\n", into: table, pipelined: pipelined)
                #expect(try await fixture.rows(table) == [["7", "seven"]])
            }
        }
    }

    @Test("parts whose types hold: every batch is copied while staging, and the result equals the sequential load")
    func pipelinedThroughout() async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            var text = "id,day,value,extra\n"
            for index in 1...6000 { text += "\(index),2024-01-01,\(index % 1000),x\(index % 7)\n" }
            let pipelined = try await load(fixture, text, into: fixture.table("pipelined"), pipelined: true)
            _ = try await load(fixture, text, into: fixture.table("sequential"), pipelined: false)
            #expect(pipelined.parts > 5)
            #expect(pipelined.phases.map(\.name) == ["stage+copy", "commit", "cleanup"])
            #expect(
                try await fixture.checksum(fixture.table("pipelined")) == fixture.checksum(fixture.table("sequential")))
        }
    }

    @Test(
        "a column with no value yet loads into an existing typed column; a header-only file keeps the table's types",
        arguments: [true, false])
    func untypedColumns(pipelined: Bool) async throws {
        let fixture = try LoaderFixture()
        try await withCleanUp({ try? await fixture.dropSchema() }) {
            let table = fixture.table("typed")
            _ = try await load(fixture, "id,day,value,extra\n1,2024-01-01,5,7\n", into: table, pipelined: pipelined)
            // `extra` is an integer column; this load has no value for it in any row.
            var text = "id,day,value,extra\n"
            for index in 2...3000 { text += "\(index),2024-01-01,\(index),\n" }
            let report = try await load(fixture, text, into: table, pipelined: pipelined)
            #expect(report.rows == 2999)
            _ = try await load(fixture, "id,day,value,extra\n", into: table, pipelined: pipelined)
            let connection = try await fixture.connection()
            let types = try await connection.execute(
                "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = $1 "
                    + "AND table_name = 'typed' ORDER BY ordinal_position", [fixture.schema]
            ).rows.map { $0[0] ?? "" }
            #expect(types.first { $0.hasPrefix("extra ") }.map { !$0.contains("text") } == true, "\(types)")
            #expect(try await fixture.rows(table).isEmpty)
        }
    }
}
