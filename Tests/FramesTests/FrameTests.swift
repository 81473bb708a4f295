import Testing

@testable import Frames

@Suite("frames, columns and values")
struct FrameTests {
    @Test("a frame built from columns and one built row by row are equal")
    func buildAndCompare() throws {
        let byColumns = try Frame(columns: [
            .bigint("id", [1, 2]),
            .text("name", ["a", nil]),
            try .decimal("amount", precision: 5, scale: 2, [ExactDecimal("1.50"), ExactDecimal("-2")]),
        ])
        var byRows = try Frame(schema: byColumns.schema)
        try byRows.append(row: [.integer(1), .text("a"), .decimal(try #require(ExactDecimal("1.5")))])
        try byRows.append(row: [.integer(2), nil, .decimal(try #require(ExactDecimal("-2.00")))])
        #expect(byRows == byColumns)
        #expect(byColumns.schema.description == "id bigint not null, name text, amount decimal(5,2) not null")
        #expect(byColumns["name"]?.values == [.text("a"), nil])
    }

    @Test("a value that does not fit its column is refused")
    func misfit() throws {
        var frame = try Frame(columns: [.smallint("n", [1])])
        let error = try #require(throws: FrameError.self) { try frame.append(row: [.integer(40_000)]) }
        #expect(error.kind == .valueDoesNotFit(.smallint))
        #expect(error.columnName == "n")
        #expect(throws: FrameError.self) { try frame.append(row: [nil]) }
        #expect(throws: FrameError.self) {
            try Column.decimal("d", precision: 3, scale: 1, [ExactDecimal("1.25")])
        }
        #expect(frame.rowCount == 1)
    }

    @Test("columns of different lengths or duplicate names are refused")
    func shape() {
        let uneven = #expect(throws: FrameError.self) {
            try Frame(columns: [.bigint("a", [1, 2]), .bigint("b", [1])])
        }
        #expect(uneven?.kind == .shapeMismatch)
        let duplicate = #expect(throws: FrameError.self) {
            try Frame(columns: [.bigint("a", [1]), .text("a", ["x"])])
        }
        #expect(duplicate?.kind == .duplicateHeader)
    }

    @Test("batches cover every row in order")
    func batches() throws {
        let frame = try Frame(columns: [.bigint("id", (0..<10).map { Int64($0) })])
        let batches = frame.batches(maxRows: 4)
        #expect(batches.map(\.rowCount) == [4, 4, 2])
        var joined = try Frame(schema: frame.schema)
        for batch in batches { try joined.append(contentsOf: batch) }
        #expect(joined == frame)
        #expect(frame.slice(3..<5).row(1) == [.integer(4)])
    }

    @Test("doubles compare by bits: -0 is not 0, NaN equals NaN")
    func doubleEquality() {
        #expect(Value.double(-0.0) != Value.double(0.0))
        #expect(Value.double(.nan) == Value.double(-.nan))
        #expect(Value.double(.nan).hashValue == Value.double(.nan).hashValue)
    }

    @Test("decimals are exact and canonical")
    func decimals() throws {
        let big = try #require(ExactDecimal("-00012345678901234567890123456789.012345600"))
        #expect(big.description == "-12345678901234567890123456789.0123456")
        #expect(big.precision == 36)
        #expect(big.scale == 7)
        #expect(ExactDecimal("-0.000")?.description == "0")
        #expect(ExactDecimal("0.5")?.description == "0.5")
        #expect(ExactDecimal("1e5") == nil)
        #expect(ExactDecimal(".5") == nil)
        #expect(try #require(ExactDecimal("-2")) < #require(ExactDecimal("-1.5")))
        #expect(try #require(ExactDecimal("10")) > #require(ExactDecimal("9.99")))
    }

    @Test(
        "values render in the staged form",
        arguments: [
            (Value.boolean(true), "true"),
            (.integer(.min), "-9223372036854775808"),
            (.integer(0), "0"),
            (.double(-0.0), "-0"),
            (.double(.nan), "NaN"),
            (.double(-.infinity), "-Infinity"),
            (.double(.leastNonzeroMagnitude), "5e-324"),
            (.double(0.1), "0.1"),
            (.date(CivilDate(daysSinceEpoch: -719_162)), "0001-01-01"),
            (.timestamp(Timestamp(microsecondsSinceEpoch: -1)), "1969-12-31 23:59:59.999999"),
            (.timestamptz(Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_001)), "2023-11-14 22:13:20.000001+00"),
        ])
    func render(value: Value, text: String) {
        #expect(value.description == text)
    }

    @Test("timestamps with offsets become the UTC instant")
    func offsets() throws {
        let local = try #require(Timestamp("2026-11-02T10:11:12.5+05:30", instant: true))
        let utc = try #require(Timestamp("2026-11-02 04:41:12.500000Z", instant: true))
        #expect(local == utc)
        #expect(Timestamp("2026-11-02T10:11:12+05:30") == nil)
        let leapDay = try #require(CivilDate("2024-02-29")).components
        #expect(leapDay.year == 2024 && leapDay.month == 2 && leapDay.day == 29)
    }
}
