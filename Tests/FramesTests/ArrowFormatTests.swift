import Foundation
import TestSupport
import Testing

@testable import Frames

/// The Arrow reader and writer without a server: frames out and back in, the flatbuffers each side
/// builds and reads, and hostile bytes refused with where they went wrong.
@Suite("Arrow IPC reader and writer")
struct ArrowFormatTests {
    /// A frame of every column type, with NULLs, and the values the types hold at their edges.
    static func everyType() throws -> Frame {
        let date = CivilDate(year: 2024, month: 2, day: 29)!
        return try Frame(columns: [
            Column(name: "flag", type: .boolean, values: [.boolean(true), nil, .boolean(false)]),
            Column(name: "small", type: .smallint, values: [.integer(-32768), .integer(32767), nil]),
            Column(name: "medium", type: .integer, values: [.integer(Int64(Int32.min)), nil, .integer(7)]),
            Column(name: "big", type: .bigint, values: [.integer(.min), .integer(.max), nil]),
            Column(
                name: "amount", type: .decimal(precision: 38, scale: 6),
                values: [
                    .decimal(ExactDecimal("-99999999999999999999999999999999.999999")!),
                    .decimal(ExactDecimal("0.000001")!), nil,
                ]),
            Column(
                name: "ratio", type: .double, values: [.double(-0.0), .double(.nan), .double(.leastNonzeroMagnitude)]),
            Column(name: "single", type: .real, values: [.double(0.5), .double(-.infinity), nil]),
            Column(name: "label", type: .text, values: [.text(""), nil, .text("a,\"b\"\n🚀")]),
            Column(name: "day", type: .date, values: [.date(date), nil, .date(CivilDate(year: 1, month: 1, day: 1)!)]),
            Column(
                name: "moment", type: .timestamp,
                values: [
                    .timestamp(Timestamp(date: date, hour: 23, minute: 59, second: 59, microsecond: 999_999)!), nil,
                    nil,
                ]),
            Column(
                name: "instant", type: .timestamptz,
                values: [
                    nil, .timestamptz(Timestamp(microsecondsSinceEpoch: -1)),
                    .timestamptz(Timestamp(microsecondsSinceEpoch: 0)),
                ]),
            Column(name: "clock", type: .time, values: [.time(0), .time(86_399_999_999), nil]),
            Column(name: "span", type: .interval, values: [.interval(-2_500_000), .interval(100_000_000_000), nil]),
            Column(name: "blob", type: .binary, values: [.binary([0, 255, 10]), .binary([]), nil]),
        ])
    }

    @Test(
        "a frame of every type goes out as a stream and as a file and comes back equal",
        arguments: [
            ArrowWriter.Format.stream, .file,
        ])
    func frameRoundTrip(_ format: ArrowWriter.Format) throws {
        let frame = try Self.everyType()
        let bytes = frame.arrowBytes(format: format)
        #expect(bytes.starts(with: Array("ARROW1".utf8)) == (format == .file))
        let back = try Frame(arrow: bytes)
        #expect(back.schema.fields.map(\.type) == frame.schema.fields.map(\.type))
        #expect(back == frame)
    }

    @Test("PostgreSQL's text of each type is read into Arrow exactly; what no column holds is refused")
    func textIntoArrow() throws {
        let schema = Schema([
            .init(name: "big", type: .bigint), .init(name: "small", type: .smallint),
            .init(name: "amount", type: .decimal(precision: 38, scale: 3)), .init(name: "flag", type: .boolean),
            .init(name: "ratio", type: .double), .init(name: "single", type: .real), .init(name: "day", type: .date),
            .init(name: "instant", type: .timestamptz),
        ])
        let rows: [[String?]] = [
            [
                "-9223372036854775808", "-32768", "-99999999999999999999999999999999999.999", "t", "NaN", "-Infinity",
                "0001-01-01", "2024-03-01 12:00:00.5+00",
            ],
            ["9223372036854775807", "32767", "0.5", "f", "1e-320", "3.4028235e+38", "9999-12-31", nil],
            [nil, "0", "12", nil, "-0", "0.1", nil, "1969-12-31 23:59:59.999999+00"],
        ]
        var writer = ArrowWriter(schema: schema, format: .stream)
        let bytes =
            try writer.start() + writer.write(TextBatch(columnNames: schema.names, rows: rows)) + writer.finish()
        let back = try ArrowReader(source: MemoryByteSource(bytes), name: nil)
        let batch = try #require(try back.next())
        #expect(
            batch.rows[0] == [
                "-9223372036854775808", "-32768", "-99999999999999999999999999999999999.999", "true", "NaN",
                "-Infinity", "0001-01-01", "2024-03-01 12:00:00.500000+00",
            ])
        #expect(
            batch.rows[1] == [
                "9223372036854775807", "32767", "0.500", "false", "1e-320", "3.4028235e+38", "9999-12-31", nil,
            ])
        #expect(batch.rows[2] == [nil, "0", "12.000", nil, "-0", "0.1", nil, "1969-12-31 23:59:59.999999+00"])

        for (column, text) in [
            (0, "9223372036854775808"), (1, "32768"), (2, "1.0001"), (2, "1" + String(repeating: "0", count: 36)),
            (0, "1.5"),
        ] {
            var row: [String?] = Array(repeating: nil, count: schema.fields.count)
            row[column] = text
            var refusing = ArrowWriter(schema: schema, format: .stream)
            #expect(throws: FrameError.self, "\(text)") {
                _ = try refusing.write(TextBatch(columnNames: schema.names, rows: [row]))
            }
        }
    }

    @Test("a declared type is trusted into a column that holds every value of it, and only such a column")
    func holdsEvery() {
        #expect(ColumnType.numeric.holdsEvery(.decimal(precision: 8, scale: 2)))
        #expect(ColumnType.bigint.holdsEvery(.smallint) && ColumnType.text.holdsEvery(.timestamptz))
        #expect(ColumnType.decimal(precision: 12, scale: 2).holdsEvery(.integer))
        #expect(!ColumnType.decimal(precision: 11, scale: 2).holdsEvery(.integer))
        #expect(ColumnType.decimal(precision: 10, scale: 3).holdsEvery(.decimal(precision: 8, scale: 2)))
        #expect(!ColumnType.decimal(precision: 10, scale: 1).holdsEvery(.decimal(precision: 8, scale: 2)))
        #expect(!ColumnType.smallint.holdsEvery(.integer) && !ColumnType.double.holdsEvery(.real))
        #expect(!ColumnType.timestamptz.holdsEvery(.timestamp) && !ColumnType.integer.holdsEvery(.text))
    }

    /// The Arrow bytes a pyarrow snippet writes to `sink` (a stream writer of table `t`).
    static func pyarrow(_ table: String) throws -> [UInt8] {
        let script =
            "import sys, decimal, pyarrow as pa\n\(table)\n"
            + "w = pa.ipc.new_stream(sys.stdout.buffer, t.schema); w.write_table(t); w.close()"
        let output = try ArrowTools.run("run_snippet.py", [script])
        guard output.status == 0 else { throw ArrowTools.ScriptFailed(script: table, stderr: output.stderr) }
        return output.stdout
    }

    @Test("a dictionary's own NULL is NULL; a decimal beyond its declared precision is refused, naming the row")
    func dictionaryNullsAndDecimalPrecision() throws {
        let dictionary = try Self.pyarrow(
            "t = pa.table({'d': pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, None], pa.int8()), pa.array(['a', None]))})"
        )
        let reader = try ArrowReader(source: MemoryByteSource(dictionary), name: "dict")
        #expect(try reader.next()?.rows == [["a"], [nil], ["a"], [nil]])

        let tooWide = try Self.pyarrow(
            "t = pa.table({'x': pa.Array.from_buffers(pa.decimal128(3, 1), 2, [None, pa.py_buffer("
                + "(5).to_bytes(16, 'little', signed=True) + (10**30).to_bytes(16, 'little', signed=True))])})")
        let wide = try ArrowReader(source: MemoryByteSource(tooWide), name: "wide")
        #expect {
            _ = try wide.next()
        } throws: { error in
            "\(error)"
                == "wide: record batch 1: row 2: the value has more digits than decimal(3, 1) holds (column \"x\")"
        }
    }

    @Test("text no column type holds is refused on the way out; a decimal no decimal128 holds goes as text")
    func writerEdges() throws {
        #expect(Value.parse(Array("200000000 days 00:00:00".utf8)[...], as: .interval) == nil)
        #expect(Value.parse(Array("2 days 01:00:00".utf8)[...], as: .interval) == .interval(176_400_000_000))
        let schema = Schema([
            .init(name: "wide", type: .decimal(precision: 50, scale: 5)), .init(name: "day", type: .date),
            .init(name: "amount", type: .decimal(precision: 10, scale: 2)),
        ])
        var writer = ArrowWriter(schema: schema, format: .stream)
        #expect(
            writer.fields.map(\.type) == [.utf8, .date(bitWidth: 32), .decimal(precision: 10, scale: 2, bitWidth: 128)])
        let rows: [[String?]] = [["123456789012345678901234567890123456789012345.12345", "2024-03-01", "-"]]
        #expect(throws: FrameError.self) { _ = try writer.write(TextBatch(columnNames: schema.names, rows: rows)) }
        for bad in [["1", "2024-03-01 10:00:00", "1"], ["1", "2024-03-01", ""], ["1", "2024-03-01", "."]] {
            var refusing = ArrowWriter(schema: schema, format: .stream)
            #expect(throws: FrameError.self, "\(bad)") {
                _ = try refusing.write(TextBatch(columnNames: schema.names, rows: [bad]))
            }
        }
    }

    @Test("numeric and JSON columns go out as their text")
    func textForms() throws {
        let frame = try Frame(columns: [
            Column(
                name: "n", type: .numeric,
                values: [.decimal(ExactDecimal("12345678901234567890123456789012345678901.5")!)]),
            Column(name: "doc", type: .json, values: [.json(#"{"a": [1, 2]}"#)]),
        ])
        let back = try Frame(arrow: frame.arrowBytes())
        #expect(back.columns.map(\.type) == [.text, .text])
        #expect(back.row(0) == [.text("12345678901234567890123456789012345678901.5"), .text(#"{"a": [1, 2]}"#)])
    }

    @Test("the flatbuffers the writer builds read back field by field")
    func flatBuffers() throws {
        let bytes = FlatBufferWriter.serialize(
            .table([
                .int16(-2), .uint8(9), .reference(.string("héllo")), .int64(.min), nil,
                .reference(.tables([.table([.bool(true)]), .table([])])),
                .reference(.structs(elementSize: 16, alignment: 8, bytes: Array(repeating: 1, count: 32))),
            ]))
        #expect(bytes.count % 8 == 0)
        let root = try FlatBuffer(bytes).root()
        #expect(try root.int16(0) == -2)
        #expect(try root.uint8(1) == 9)
        #expect(try root.string(2) == "héllo")
        #expect(try root.int64(3) == .min)
        #expect(try root.int32(4, default: 77) == 77)
        let tables = try #require(try root.vector(5, elementSize: 4))
        #expect(tables.count == 2)
        #expect(try tables.table(0).bool(0) == true)
        #expect(try tables.table(1).bool(0) == false)
        let structs = try #require(try root.vector(6, elementSize: 16))
        #expect(structs.count == 2 && structs.position(0) % 8 == 0)
    }

    @Test("offsets that point outside the metadata are refused, not followed")
    func malformedFlatBuffers() throws {
        #expect(throws: FlatBuffer.Malformed.self) { try FlatBuffer([0xFF, 0, 0, 0]).root() }
        #expect(throws: FlatBuffer.Malformed.self) { try FlatBuffer([4, 0, 0, 0, 0x10, 0, 0, 0]).root() }
        // A vector claiming more elements than the buffer holds.
        var bytes = FlatBufferWriter.serialize(.table([.reference(.string("abc"))]))
        let root = try FlatBuffer(bytes).root()
        let at = try #require(try root.fieldPosition(0))
        let string = try FlatBuffer(bytes).reference(at: at)
        bytes[string + 3] = 0x7F
        #expect(throws: FlatBuffer.Malformed.self) { try FlatBuffer(bytes).root().string(0) }
    }

    @Test("a stream cut anywhere is refused with the byte where it ends, never read past")
    func truncatedAnywhere() throws {
        let bytes = try Self.everyType().arrowBytes()
        for cut in stride(from: 1, to: bytes.count - 8, by: 7) {
            do {
                let reader = try ArrowReader(
                    source: MemoryByteSource(Array(bytes.prefix(cut)), chunkSize: 5), name: "cut")
                while try reader.next() != nil {}
                // A cut at a message boundary is a stream without its end marker: accepted.
            } catch let error as FrameError {
                #expect(error.file == "cut")
                #expect(error.kind == .malformedArrow || error.kind == .emptyInput, "\(cut): \(error)")
            }
        }
    }

    @Test("a reader's batches hold at most batchRows rows and declare the schema's types")
    func batchesAreBounded() throws {
        let values = (0..<10_000).map { Value.integer(Int64($0)) }
        let frame = try Frame(columns: [Column(name: "n", type: .bigint, values: values)])
        let reader = try ArrowReader(
            source: MemoryByteSource(frame.arrowBytes()), name: nil, options: ArrowReader.Options(batchRows: 4096))
        var sizes: [Int] = []
        while let batch = try reader.next() {
            sizes.append(batch.rowCount)
            #expect(batch.declaredTypes == [.bigint])
        }
        #expect(sizes == [4096, 4096, 1808])
    }
}
