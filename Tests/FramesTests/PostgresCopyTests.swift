import Foundation
import TestSupport
import Testing
import Warehouse

@testable import Frames

/// Loads the staged CSV with PostgreSQL's own COPY on the live test server (`scripts/services env`),
/// into a table of the inferred types, and reads it back with COPY TO.
@Suite("staged CSV through PostgreSQL's COPY", .timeLimit(.minutes(5)))
struct PostgresCopyTests {
    /// PostgreSQL's name for a column type; the real DDL rendering belongs to the Warehouse dialects.
    static func postgresType(_ type: ColumnType) -> String {
        switch type {
        case .boolean: "boolean"
        case .smallint: "smallint"
        case .integer: "integer"
        case .bigint: "bigint"
        case .decimal(let precision, let scale): "numeric(\(precision),\(scale))"
        case .numeric: "numeric"
        case .double: "double precision"
        case .real: "real"
        case .time: "time"
        case .interval: "interval"
        case .binary: "bytea"
        case .text: "text"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .json: "json"
        }
    }

    static func connect() async throws -> Connection {
        try TestServices.require("PGHOST", "PGPORT")
        return try await Connection.connect("")
    }

    @Test("COPY FROM loads every value, COPY TO gives the same values back")
    func copyRoundTrip() async throws {
        let frame = try SampleFrame.make(rows: 3000, seed: 7)
        var encoder = StagedCSVEncoder(nullMarker: .emptyField)
        try encoder.append(frame)
        let staged = encoder.takeOutput()
        let schema = encoder.schema
        #expect(schema == frame.schema)

        let connection = try await Self.connect()
        let table = quoteIdentifier("frames_copy_\(UInt32.random(in: 0...UInt32.max))")
        let columns = schema.fields.map {
            "\(quoteIdentifier($0.name)) \(Self.postgresType($0.type))\($0.isNullable ? "" : " NOT NULL")"
        }
        try await connection.execute("CREATE TABLE \(table) (\(columns.joined(separator: ", ")))")
        do {
            let copied = try await connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv)") { writer in
                var offset = 0
                while offset < staged.count {
                    let end = min(offset + 50_000, staged.count)
                    try await writer.write(Array(staged[offset..<end]))
                    offset = end
                }
            }
            #expect(copied == frame.rowCount)
            #expect(
                try await connection.execute("SELECT count(*) FROM \(table) WHERE label = ''").scalar
                    == String(frame["label"]?.values.filter { $0 == .text("") }.count ?? -1))
            #expect(
                try await connection.execute("SELECT count(*) FROM \(table) WHERE label IS NULL").scalar
                    == String(frame["label"]?.values.filter { $0 == nil }.count ?? -1))

            try await connection.execute("SET TimeZone = 'Asia/Kolkata'")
            var back: [UInt8] = []
            let names = schema.names.map(quoteIdentifier).joined(separator: ", ")
            _ = try await connection.copyOut(
                "COPY (SELECT \(names) FROM \(table) ORDER BY id) TO STDOUT (FORMAT csv)"
            ) { chunk in
                back += chunk
            }
            let reader = try CSVReader(
                source: MemoryByteSource(back, chunkSize: 65_536), file: "copy-out",
                options: CSVOptions(header: .names(schema.names)))
            let returned = try reader.readFrame(schema: schema)
            for (original, loaded) in zip(frame.columns, returned.columns) {
                #expect(original == loaded, "column \(original.name)")
            }
            #expect(returned == frame)
        } catch {
            _ = try? await connection.execute("DROP TABLE \(table)")
            throw error
        }
        try await connection.execute("DROP TABLE \(table)")
    }
}
