import Blocking
import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import Stevedore

/// A live connection that records the COPY TO statements it runs, to tell which format an unload
/// asked PostgreSQL for.
final class CopyWatchingSession: WarehouseSession {
    private let connection: Connection
    let copies: LockedBox<[String]>

    init(_ connection: Connection, copies: LockedBox<[String]>) {
        self.connection = connection
        self.copies = copies
    }

    var endpoint: Connection.Endpoint { connection.endpoint }
    var isOpen: Bool { get async { await connection.isOpen } }

    @discardableResult
    func execute(_ sql: String, _ parameters: [String?]) async throws -> QueryResult {
        try await connection.execute(sql, parameters)
    }

    func begin() async throws { try await connection.begin() }
    func commit() async throws { try await connection.commit() }
    func rollback() async throws { try await connection.rollback() }

    func copyIn(_ sql: String, isolation: isolated (any Actor)?, body: (CopyInWriter) async throws -> Void)
        async throws -> Int
    {
        try await connection.copyIn(sql, isolation: isolation, body: body)
    }

    func copyOut(
        _ sql: String, chunkSize: Int, isolation: isolated (any Actor)?, body: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        copies.withLock { $0.append(sql) }
        return try await connection.copyOut(sql, chunkSize: chunkSize, isolation: isolation, body: body)
    }

    func transaction<T>(isolation: isolated (any Actor)?, body: (any WarehouseSession) async throws -> T)
        async throws -> T
    {
        try await begin()
        do {
            let value = try await body(self)
            try await commit()
            return value
        } catch {
            try? await rollback()
            throw error
        }
    }

    func close() async { await connection.close() }
}

/// `unloadArrow` on PostgreSQL through `COPY … TO STDOUT (FORMAT binary)`: the same Arrow bytes as
/// the CSV path for every type it decodes, extremes and NULLs, chunks cut anywhere, the same
/// refusals, and CSV for a column type without a decoder.
@Suite("Arrow unload through binary COPY", .timeLimit(.minutes(5)))
struct ArrowBinaryUnloadTests {
    /// A loader on the fixture's stage whose sessions record their COPY TO statements.
    static func loader(_ fixture: LoaderFixture, binary: Bool) -> (Loader, LockedBox<[String]>) {
        let copies = LockedBox<[String]>([])
        var options = fixture.loader.options
        options.binaryUnload = binary
        let loader = Loader(
            stage: fixture.loader.stage, options: options,
            sessions: .custom { CopyWatchingSession(try await Connection.connect(""), copies: copies) })
        return (loader, copies)
    }

    /// The Arrow bytes of an unload, and the COPY TO it ran.
    static func unload(
        _ table: TableRef, fixture: LoaderFixture, binary: Bool, partition: PartitionSpec? = nil,
        columns: [String]? = nil, format: ArrowWriter.Format = .stream
    ) async throws -> (bytes: [UInt8], rows: Int, copy: String) {
        let (loader, copies) = loader(fixture, binary: binary)
        let collected = LockedBox<[UInt8]>([])
        let (_, rows) = try await loader.unloadArrow(table, partition: partition, columns: columns, format: format) {
            bytes in collected.withLock { $0 += bytes }
        }
        return (collected.withLock { $0 }, rows, copies.withLock { $0 }.joined(separator: "; "))
    }

    static let everyTypeColumns = """
        id integer, b boolean, i2 smallint, i4 integer, i8 bigint, r real, d double precision,
        n numeric, n38 numeric(38,6), n10 numeric(10,2), n40 numeric(40,3), dt date, t time, ts timestamp,
        tz timestamptz, ts3 timestamp(3), iv interval, tx text, vc varchar(20), ch char(5), by bytea,
        js json, jb jsonb
        """

    /// Every decoded type at its extremes, NULL in every column, empty strings.
    static let everyTypeRows = """
        (1, true, -32768, -2147483648, -9223372036854775808, 'NaN', '-0', (repeat('9', 600) || '.' || repeat('1', 400))::numeric,
         '-12345678901234567890123456789012.123456', '-12345678.90', '-1234567890123456789012345678901234567.123',
         '0001-01-01', '24:00:00', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999+00', '2024-02-29 12:34:56.789',
         '1 day 02:03:04.5', E'a "quoted", field\\nwith a line break, é ☃ 𝄞', '', 'ab',
         (SELECT string_agg(set_byte('\\x00'::bytea, 0, g), ''::bytea ORDER BY g) FROM generate_series(0, 255) g),
         '{"b": 1,  "a": [1, 2.50]}', '{"b": 1,  "a": [1, 2.50]}'),
        (2, false, 32767, 2147483647, 9223372036854775807, 'Infinity', '-Infinity', 'NaN',
         '99999999999999999999999999999999.999999', '0', '0.001', '9999-12-31', '00:00:00',
         '9999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '1969-12-31 23:59:59.999', '-3 days +04:00:00',
         '', 'x', 'abcde', '', 'null', '[]'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL),
        (4, NULL, 0, 0, 0, '1e-45', '4.9e-324', '-0.0000012340', '0.000001', '0.01', '1', '1969-12-31', '12:00:00.000001',
         '2038-01-19 03:14:08', '2038-01-19 03:14:08.5+00', '2000-01-01 00:00:00', '-00:00:00.000001',
         'plain', 'ünïcode', '', '\\xdeadbeef', '"text"', '"text"'),
        (5, true, 1, 1, 1, '-Infinity', '2.2250738585072014e-308', 'Infinity', '-0.5', '-0.01', '-1',
         '2000-02-29', '23:59:59.999999', '1900-01-01 00:00:00', '1900-01-01 00:00:00+00', '1999-12-31 23:59:59.999',
         '106751991 days', 'NULL', 'null', ' ', '\\x00', '{}', '{"k": {"nested": [true, false, null]}}'),
        (6, false, -1, -1, -1, '-0', '1.7976931348623157e308', '-Infinity', '0', '99999999.99', '0.5', '1582-10-10',
         '00:00:00.5', '1582-10-10 10:10:10', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999', '00:00:00', '"', ',',
         'é', '\\xff', '[1, "a", {"b": null}]', '[1, "a", {"b": null}]'),
        (7, true, 12, 1234, 123456789012, '3.4028235e38', '0.1', '-123456789012345678901234567890.000000000001',
         '0.5', '1.5', '123.456', '2024-03-01', '01:02:03', '2024-03-01 04:05:06.07', '2024-03-01 04:05:06.07+00',
         '2024-03-01 04:05:06', '-106751991 days -00:00:01', E'tab\\there', E'\\r\\n', 'ünï', '\\x0a0d22',
         '{"a":1}', '{"a":1}')
        """

    static func createEveryType(_ table: TableRef, on connection: Connection) async throws {
        try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))")
        try await connection.execute("CREATE TABLE \(table.quoted) (\(everyTypeColumns))")
        try await connection.execute("INSERT INTO \(table.quoted) VALUES \(everyTypeRows)")
    }

    @Test("every decoded type, extremes and NULLs: the binary path's Arrow bytes are the CSV path's")
    func everyType() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("every_type")
            try await Self.createEveryType(table, on: connection)
            for format in [ArrowWriter.Format.stream, .file] {
                let binary = try await Self.unload(table, fixture: fixture, binary: true, format: format)
                let csv = try await Self.unload(table, fixture: fixture, binary: false, format: format)
                #expect(binary.copy.hasSuffix("TO STDOUT (FORMAT binary)"), "\(binary.copy)")
                #expect(csv.copy.hasSuffix("TO STDOUT (FORMAT csv)"), "\(csv.copy)")
                #expect(binary.rows == 7 && csv.rows == 7)
                #expect(binary.bytes.count > 2_000)
                #expect(binary.bytes == csv.bytes, "\(format): \(binary.bytes.count) bytes ≠ \(csv.bytes.count)")
                if binary.bytes != csv.bytes {
                    let frames = try [binary.bytes, csv.bytes].map { try Frame(arrow: $0) }
                    for (left, right) in zip(frames[0].columns, frames[1].columns) where left.values != right.values {
                        Issue.record("column \(left.name): \(left.values) ≠ \(right.values)")
                    }
                }
            }
        }
    }

    /// The every-type table created as `table`, its binary COPY as the server sends it, and the
    /// decoder `unloadArrow` would make for it.
    static func recordedEveryType(_ table: TableRef, fixture: LoaderFixture, on connection: Connection)
        async throws -> (recorded: [UInt8], decoder: ArrowFromPostgresBinary)
    {
        try await createEveryType(table, on: connection)
        return (
            try await recordedCopy(table, on: connection), try await decoder(table, fixture: fixture, on: connection)
        )
    }

    /// The raw binary COPY of `table`, as the server sends it.
    static func recordedCopy(_ table: TableRef, on connection: Connection) async throws -> [UInt8] {
        var recorded: [UInt8] = []
        let sql = PostgresDialect().copyToStdout("SELECT * FROM \(table.quoted)", binary: true)
        _ = try await connection.copyOut(sql) { recorded += $0 }
        return recorded
    }

    /// The decoder for the every-type table's columns, as `unloadArrow` makes it.
    static func decoder(_ table: TableRef, fixture: LoaderFixture, on connection: Connection) async throws
        -> ArrowFromPostgresBinary
    {
        let columns = try #require(try await fixture.loader.existingColumns(table, on: connection))
        let schema = Schema(
            columns.map {
                Schema.Field(name: $0.name, type: TypeMapping.columnType($0.type), isNullable: $0.isNullable)
            })
        let fields = try #require(PostgresBinaryCopy.unloading(columns.map(\.type)))
        return try #require(ArrowFromPostgresBinary(schema: schema, fields: fields, format: .stream, name: "t"))
    }

    static func convert(_ pieces: [ArraySlice<UInt8>], with start: ArrowFromPostgresBinary) throws -> [UInt8] {
        var decoder = start
        var output: [UInt8] = []
        for piece in pieces { output += try decoder.append(Array(piece)) }
        return output + (try decoder.finish())
    }

    @Test("a recorded binary COPY cut at every byte, and into random pieces, makes the same Arrow")
    func chunkBoundaries() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("every_type")
            let (recorded, decoder) = try await Self.recordedEveryType(table, fixture: fixture, on: connection)
            let whole = try Self.convert([recorded[...]], with: decoder)
            let unloaded = try await Self.unload(table, fixture: fixture, binary: false)
            #expect(whole == unloaded.bytes, "the recorded stream converts to the CSV path's Arrow")
            var mismatches: [Int] = []
            for cut in 0...recorded.count {
                let pieces = [recorded[..<cut], recorded[cut...]]
                if try Self.convert(pieces, with: decoder) != whole { mismatches.append(cut) }
            }
            #expect(mismatches.isEmpty, "cuts that changed the output: \(mismatches.prefix(10))")
            var generator = SeededGenerator(seed: 22)
            for _ in 0..<50 {
                var pieces: [ArraySlice<UInt8>] = []
                var start = 0
                while start < recorded.count {
                    let end = min(recorded.count, start + 1 + Int(generator.next() % 40))
                    pieces.append(recorded[start..<end])
                    start = end
                }
                #expect(try Self.convert(pieces, with: decoder) == whole)
            }
        }
    }

    @Test("a truncated, trailing or foreign stream is refused as malformed binary COPY")
    func malformedStreams() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("every_type")
            let (recorded, decoder) = try await Self.recordedEveryType(table, fixture: fixture, on: connection)
            let broken: [(String, [UInt8])] = [
                ("no trailer", Array(recorded.dropLast(2))),
                ("cut inside a tuple", Array(recorded.prefix(recorded.count / 2))),
                ("bytes after the trailer", recorded + [0]),
                ("a CSV signature", Array("1,t,2\n".utf8) + recorded),
                ("nothing", []),
            ]
            for (name, bytes) in broken {
                Self.expectMalformed(name) { _ = try Self.convert([bytes[...]], with: decoder) }
            }
        }
    }

    @Test("more rows than a record batch, and numerics of every shape: the same bytes as the CSV path's")
    func manyBatchesAndNumericShapes() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("many_batches")
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))")
            // 70,000 rows: a full record batch of 65,536 rows and a second, on both paths.
            try await connection.execute(
                """
                CREATE TABLE \(table.quoted) AS SELECT g AS id,
                  CASE WHEN g % 3 = 0 THEN NULL ELSE date '2000-01-01' + g % 9000 END AS day,
                  (ARRAY['10000', '1e20', '1.000000', '0.0001', '-10000.5', '100000000', '0', '-0.000000001',
                    '123456789012345678901234567890.5'])[g % 9 + 1]::numeric AS shape
                FROM generate_series(1, 70000) g
                """)
            let binary = try await Self.unload(table, fixture: fixture, binary: true)
            let csv = try await Self.unload(table, fixture: fixture, binary: false)
            #expect(binary.copy.hasSuffix("(FORMAT binary)") && csv.copy.hasSuffix("(FORMAT csv)"))
            #expect(binary.rows == 70_000 && csv.rows == 70_000)
            #expect(binary.bytes == csv.bytes, "\(binary.bytes.count) bytes ≠ \(csv.bytes.count)")
        }
    }

    @Test("ten bytes of numeric on the wire spelled as 100,001 digits: record batches end by the text")
    func longNumericText() throws {
        let schema = Schema([Schema.Field(name: "n", type: .numeric, isNullable: true)])
        var decoder = try #require(ArrowFromPostgresBinary(schema: schema, fields: [.numeric], format: .stream))
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
        // 10^100000: one base-10,000 digit (1) of weight 25,000, sign +, no display scale.
        let tuple =
            bigEndian(Int16(1)) + bigEndian(Int32(10)) + bigEndian(Int16(1)) + bigEndian(Int16(25_000))
            + bigEndian(UInt16(0)) + bigEndian(UInt16(0)) + bigEndian(Int16(1))
        let rows = 400
        var batchesBeforeTheEnd = 0
        var outputBytes = try decoder.append(PostgresBinaryCopy.header).count
        for _ in 0..<rows {
            let output = try decoder.append(tuple)
            if !output.isEmpty { batchesBeforeTheEnd += 1 }
            outputBytes += output.count
        }
        outputBytes += try decoder.append(bigEndian(Int16(-1))).count
        outputBytes += try decoder.finish().count
        #expect(decoder.rowCount == rows)
        #expect(outputBytes > rows * 100_001)
        // 8 MiB of text a batch: about 83 rows each, so four batches before the end (none, when the
        // limit counted the ten bytes on the wire).
        #expect(batchesBeforeTheEnd >= 4, "\(batchesBeforeTheEnd) record batches before the end")
    }

    @Test("hostile field counts, lengths, flags, versions and digits are malformed, never a crash")
    func hostileStreams() throws {
        let schema = Schema([
            Schema.Field(name: "n", type: .numeric, isNullable: true),
            Schema.Field(name: "j", type: .json, isNullable: true),
            Schema.Field(name: "i", type: .bigint, isNullable: true),
        ])
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
        func numeric(count: Int16, weight: Int16 = 0, sign: UInt16 = 0, scale: UInt16 = 0, digits: [Int16]) -> [UInt8] {
            let body =
                bigEndian(count) + bigEndian(weight) + bigEndian(sign) + bigEndian(scale) + digits.flatMap(bigEndian)
            return bigEndian(Int32(body.count)) + body
        }
        let json = bigEndian(Int32(3)) + [1] + Array("{}".utf8)
        let integer = bigEndian(Int32(8)) + bigEndian(Int64(7))
        let good = bigEndian(Int16(3)) + numeric(count: 1, digits: [12]) + json + integer
        let header = Array(PostgresBinaryCopy.header)
        let trailer = bigEndian(Int16(-1))
        var decoder = try #require(
            ArrowFromPostgresBinary(schema: schema, fields: [.numeric, .jsonb, .int8], format: .stream))
        _ = try decoder.append(header + good + trailer)
        _ = try decoder.finish()
        #expect(decoder.rowCount == 1, "the well-formed stream")
        let broken: [(String, [UInt8])] = [
            ("two fields of three", header + bigEndian(Int16(2)) + numeric(count: 1, digits: [12]) + json + trailer),
            ("a field length of -2", header + bigEndian(Int16(3)) + bigEndian(Int32(-2)) + json + integer + trailer),
            ("a field of 2 GB", header + bigEndian(Int16(3)) + bigEndian(Int32.max) + trailer),
            ("OIDs in the flags", Array(header.prefix(11)) + bigEndian(UInt32(1 << 16)) + bigEndian(Int32(0)) + good),
            ("a 1 GB header extension", Array(header.prefix(15)) + bigEndian(Int32(1 << 30)) + good),
            (
                "a bigint of 4 bytes",
                header + bigEndian(Int16(3)) + numeric(count: 1, digits: [12]) + json
                    + bigEndian(Int32(4)) + bigEndian(Int32(7)) + trailer
            ),
            (
                "jsonb version 2",
                header + bigEndian(Int16(3)) + numeric(count: 1, digits: [12])
                    + bigEndian(Int32(3)) + [2] + Array("{}".utf8) + integer + trailer
            ),
            (
                "a numeric digit of 10000",
                header + bigEndian(Int16(3)) + numeric(count: 1, digits: [10_000]) + json
                    + integer + trailer
            ),
            (
                "a negative digit count",
                header + bigEndian(Int16(3)) + numeric(count: -1, digits: []) + json
                    + integer + trailer
            ),
            (
                "a display scale past 0x3FFF",
                header + bigEndian(Int16(3)) + numeric(count: 1, scale: 0x4000, digits: [1])
                    + json + integer + trailer
            ),
            (
                "a sign of 0x1234",
                header + bigEndian(Int16(3)) + numeric(count: 1, sign: 0x1234, digits: [1]) + json
                    + integer + trailer
            ),
        ]
        for (name, bytes) in broken {
            var decoder = try #require(
                ArrowFromPostgresBinary(schema: schema, fields: [.numeric, .jsonb, .int8], format: .stream))
            Self.expectMalformed(name) {
                _ = try decoder.append(bytes)
                _ = try decoder.finish()
            }
        }
    }

    /// `decode` throws a `FrameError` of kind `malformedCopy`.
    static func expectMalformed(_ name: String, _ decode: () throws -> Void) {
        #expect(throws: FrameError.self, "\(name)") {
            do {
                try decode()
            } catch let error as FrameError {
                #expect(error.kind == .malformedCopy, "\(name): \(error)")
                throw error
            }
        }
    }

    @Test("a partition and a column selection unload the same through binary COPY as through CSV")
    func partitionAndColumns() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("every_type")
            try await Self.createEveryType(table, on: connection)
            let partition = PartitionSpec.value("2024-03-01", column: "dt")
            let columns = ["tx", "n", "dt", "jb", "id"]
            let binary = try await Self.unload(
                table, fixture: fixture, binary: true, partition: partition, columns: columns)
            let csv = try await Self.unload(
                table, fixture: fixture, binary: false, partition: partition, columns: columns)
            #expect(binary.copy.contains("(FORMAT binary)") && csv.copy.contains("(FORMAT csv)"))
            #expect(binary.rows == 1 && csv.rows == 1)
            #expect(binary.bytes == csv.bytes)
            let frame = try Frame(arrow: binary.bytes)
            #expect(frame.columns.map(\.name) == columns)
            #expect(frame.columns.last?.values == [.integer(7)])
        }
    }

    @Test("an infinite date or a month interval is refused on both paths with the same error")
    func refusals() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            for (column, value, shown) in [
                ("date", "'infinity'", "\"infinity\""), ("timestamp", "'-infinity'", "\"-infinity\""),
                ("date", "'0044-03-15 BC'", "BC"), ("interval", "'1 mon'", "mon"),
                ("interval", "'2147483647 days'", "2147483647 days"),
                ("numeric(10,2)", "'NaN'", "\"NaN\""),
            ] {
                let table = fixture.table("refused_\(UInt32.random(in: 0...UInt32.max))")
                try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))")
                try await connection.execute("CREATE TABLE \(table.quoted) (id integer, v \(column))")
                try await connection.execute("INSERT INTO \(table.quoted) VALUES (1, NULL), (2, \(value))")
                var errors: [StevedoreError] = []
                for binary in [true, false] {
                    do {
                        _ = try await Self.unload(table, fixture: fixture, binary: binary)
                        Issue.record("\(column) \(value): unloaded (binary: \(binary))")
                    } catch let error as StevedoreError {
                        errors.append(error)
                    }
                }
                #expect(errors.count == 2)
                #expect(errors.allSatisfy { $0.code == .input && $0.step == .loadBack }, "\(errors)")
                #expect(errors.allSatisfy { "\($0)".contains("Arrow has no form for this value") }, "\(errors)")
                #expect(errors.first.map { "\($0)".contains(shown) && "\($0)".contains("column \"v\"") } == true)
            }
        }
    }

    @Test("a column type without a decoder (uuid) keeps the table on the CSV path")
    func fallback() async throws {
        try await ArrowLoadTests.withLoader { fixture, connection in
            let table = fixture.table("with_uuid")
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(table.schema))")
            try await connection.execute("CREATE TABLE \(table.quoted) (id bigint, u uuid)")
            try await connection.execute(
                "INSERT INTO \(table.quoted) VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), (2, NULL)")
            let asked = try await Self.unload(table, fixture: fixture, binary: true)
            #expect(asked.copy.hasSuffix("(FORMAT csv)"), "\(asked.copy)")
            #expect(asked.rows == 2)
            let frame = try Frame(arrow: asked.bytes)
            #expect(frame.columns[1].values == [.text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), nil])
            let idOnly = try await Self.unload(table, fixture: fixture, binary: true, columns: ["id"])
            #expect(idOnly.copy.hasSuffix("(FORMAT binary)"), "without the uuid column: \(idOnly.copy)")
        }
    }
}
