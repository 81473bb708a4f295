import Testing
@testable import Frames

@Suite("type inference over every row")
struct InferenceTests {
    /// Infers the one column of `values` through a batch, as the encoder sees it.
    static func infer(_ values: [String?], pinned: ColumnType? = nil) throws -> ColumnInference {
        var inference = SchemaInference(pinnedTypes: pinned.map { ["c": $0] } ?? [:])
        try inference.observe(TextBatch(columnNames: ["c"], rows: values.map { [$0] }))
        return try #require(inference["c"])
    }

    static let ladder: [([String?], ColumnType)] = [
        (["true", "FALSE", "True", nil], .boolean),
        (["0", "-32768", "32767"], .smallint),
        (["32768", "1"], .integer),
        (["-2147483649", "5"], .bigint),
        (["9223372036854775807", "-9223372036854775808"], .bigint),
        (["9223372036854775808"], .decimal(precision: 19, scale: 0)),
        (["-123456789012345678901234567890"], .decimal(precision: 30, scale: 0)),
        (["1.5", "22.25", "-0.125"], .decimal(precision: 5, scale: 3)),
        (["1.50", "3"], .decimal(precision: 3, scale: 2)),
        (["0.5"], .decimal(precision: 1, scale: 1)),
        (["12345678901234567890.123456789012345678"], .decimal(precision: 38, scale: 18)),
        (["1e5", "2"], .double),
        (["1.5E-300", "-2.25"], .double),
        (["NaN", "1.5"], .double),
        (["Infinity", "-infinity", "+Infinity", "3"], .double),
        (["1.5", "12345678901234567890123456789012345678"], .text),
        (["1e5", "1234567890123456"], .text),
        (["123456789012345678901234567890123456789"], .text),
        (["2026-11-02", "0001-01-01", "9999-12-31"], .date),
        (["2024-02-29"], .date),
        (["2026-11-02", "2026-11-02 10:11:12"], .timestamp),
        (["2026-11-02T10:11:12.123456"], .timestamp),
        (["2026-11-02 10:11:12Z", "2026-11-02"], .timestamptz),
        (["2026-11-02T10:11:12.5+05:30", "2026-11-02 10:11:12-08"], .timestamptz),
        (["2026-11-02 10:11:12+0100"], .timestamptz),
        (["1670-05-05 06:48:21.108752+05:53:28"], .timestamptz),
        ([nil, nil], .text),
        ([], .text),
    ]

    @Test("each rung of the ladder", arguments: ladder)
    func rung(values: [String?], expected: ColumnType) throws {
        #expect(try Self.infer(values).type == expected)
    }

    static let traps: [([String?], ColumnType)] = [
        (["007", "12"], .text),
        (["02134"], .text),
        (["00.5"], .text),
        (["0"], .smallint),
        (["-0"], .smallint),
        (["+5"], .smallint),
        (["1."], .text),
        ([".5"], .text),
        (["1e"], .text),
        (["1e400"], .text),
        (["1e-400"], .text),
        (["1.2345678901234567890e3"], .text),
        (["1.5e3", "123456789012345e2"], .double),
        (["0.000123456789012345678e-2"], .text),
        (["0x1p3"], .text),
        (["12 "], .text),
        ([" 12"], .text),
        ([""], .text),
        (["", "5"], .text),
        (["t", "f"], .text),
        (["yes"], .text),
        (["1", "true"], .text),
        (["true", "2026-01-01"], .text),
        (["5", "2026-01-01"], .text),
        (["nan"], .double),
        (["inf"], .text),
        (["2026-02-30"], .text),
        (["2023-02-29"], .text),
        (["2026-13-01"], .text),
        (["2026-1-01"], .text),
        (["2026-11-02 24:00:00"], .text),
        (["2026-11-02 10:11:60"], .text),
        (["2026-11-02 10:11"], .text),
        (["2026-11-02 10:11:12.1234567"], .text),
        // Found by scripts/fuzz: a fraction of twenty digits or more overflowed instead of being text.
        (["9999-12-31T23:59:19.990000000000000000000000000000000000000000000"], .text),
        (["2026-11-02 10:11:12.99999999999999999999999Z"], .text),
        (["2026-11-02 10:11:12+16:00"], .text),
        (["2026-11-02 10:11:12 +01:00"], .text),
        (["0001-01-01 00:30:00+01:00"], .text),
        (["hello", "1"], .text),
    ]

    @Test("traps stay text or take the exact rung", arguments: traps)
    func trap(values: [String?], expected: ColumnType) throws {
        #expect(try Self.infer(values).type == expected)
    }

    @Test("the longest value is measured in UTF-8 bytes; NULLs are counted")
    func lengthsAndNulls() throws {
        let inference = try Self.infer(["a", "ü🚀", nil, "", nil])
        #expect(inference.maxByteLength == 6)
        #expect(inference.nullCount == 2)
        #expect(inference.valueCount == 3)
        #expect(inference.isNullable)
        #expect(try Self.infer(["1"]).isNullable == false)
    }

    @Test("a pinned type is kept and checked")
    func pinned() throws {
        #expect(try Self.infer(["007", "12"], pinned: .integer).type == .integer)
        #expect(try Self.infer(["1", "2"], pinned: .text).type == .text)
        #expect(try Self.infer(["1.50", "-2"], pinned: .decimal(precision: 3, scale: 1)).type
            == .decimal(precision: 3, scale: 1))
        #expect(try Self.infer(["2026-01-01", "2026-01-01 10:00:00"], pinned: .timestamptz).type == .timestamptz)
        #expect(try Self.infer(["0", "0e12", "-0.0", "1e300", "Infinity", "-Infinity"], pinned: .double).type == .double)
    }

    @Test("a pinned double refuses literals the warehouse would refuse", arguments: ["1e-400", "0.0001e-330", "1e400", "-2e999"])
    func pinnedDoubleOutOfRange(literal: String) {
        #expect(throws: FrameError.self) { try Self.infer(["1.5", literal], pinned: .double) }
    }

    @Test("a value that does not fit a pinned type names line, column and value")
    func pinnedMisfit() throws {
        var inference = SchemaInference(pinnedTypes: ["amount": .smallint])
        let batch = try TextBatch(columnNames: ["id", "amount"],
                                  rows: [["1", "10"], ["2", "32767"], ["3", "40000"]], file: "in.csv")
        let error = try #require(throws: FrameError.self) { try inference.observe(batch) }
        #expect(error.kind == .valueDoesNotFit(.smallint))
        #expect(error.file == "in.csv")
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.columnName == "amount")
        #expect(error.value == "40000")
    }

    @Test("pinned decimals refuse digits they would round", arguments: [
        ("1.25", false), ("1.20", true), ("99.9", true), ("100", false), ("-0.1", true),
    ])
    func pinnedDecimal(text: String, fits: Bool) {
        #expect(ColumnInference.fits(Array(text.utf8)[...], .decimal(precision: 3, scale: 1)) == fits)
    }
}
