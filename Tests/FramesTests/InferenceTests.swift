import Foundation
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
        // Exact numbers beyond 38 digits are numeric; integers up to 2^53 are exact doubles.
        (["1.5", "12345678901234567890123456789012345678"], .numeric),
        (["1e5", "1234567890123456"], .double),
        (["1e5", "12345678901234567"], .numeric),
        (["123456789012345678901234567890123456789"], .numeric),
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
        // Beyond a double's range, still exact numbers: numeric holds them.
        (["1e400"], .numeric),
        (["1e-400", "2"], .numeric),
        (["NaN", "0.30000000000000005"], .numeric),
        (["-Infinity", "1e400"], .numeric),
        (["1.2345678901234567890e3"], .numeric),
        (["1.5e3", "123456789012345e2"], .double),
        (["0.000123456789012345678e-2"], .numeric),
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

    /// Doubles as other tools print them: shortest round-trip forms, up to 17 significant digits.
    static let printedDoubles: [([String?], ColumnType)] = [
        // The issue's column: every value prints back as itself.
        (["1e308", "5e-324", "-0.0", "3.141592653589793", "2.5e-10", "1234567.125", "1", "2"], .double),
        // Python's repr and JavaScript's toString of everyday sums.
        (["0.30000000000000004", "0.1", "2.675", "1e-07"], .double),
        (["0.30000000000000004", "0.1", "1.0000000000000002"], .double),
        (["1.7976931348623157e+308", "2.2250738585072014e-308", "5e-324"], .double),
        (["-1.2345678901234568e-05", "6.02214076e+23", "0.3333333333333333", "6.666666666666667e-06"], .double),
        // Java's Double.toString and Go's strconv with 'E'.
        (["1.0E10", "3.4028234663852886E38"], .double),
        // 17 digits that no double prints: exact only as numeric.
        (["0.30000000000000005", "1e5"], .numeric),
        (["3.1415926535897932384626433832795028841971"], .numeric),
        // A money-like column keeps its fixed scale, however many digits.
        (["1234567890123456.78", "0.10", "12.00"], .decimal(precision: 18, scale: 2)),
        (["7.50", "10.00"], .decimal(precision: 4, scale: 2)),
        (["1.000000000000000000", "2.500000000000000000"], .decimal(precision: 19, scale: 18)),
    ]

    @Test("printed doubles are double precision; numbers exact neither way are numeric", arguments: printedDoubles)
    func printedDouble(values: [String?], expected: ColumnType) throws {
        #expect(try Self.infer(values).type == expected)
    }

    @Test(
        "exactness is the shortest round trip, not a count of digits",
        arguments: [
            ("0.1", true), ("0.30000000000000004", true), ("0.30000000000000005", false), ("5e-324", true),
            ("4.9e-324", false), ("1e23", true), ("9007199254740993", false), ("9007199254740992", true),
            ("-0.0", true),
            ("100", true), ("1.0000000000000000000000001", false), ("2.5E-10", true),
        ])
    func exactness(text: String, exact: Bool) {
        #expect(DoubleExactness.isExact(Array(text.utf8)) == exact)
    }

    @Test("the fast path reads the same double as strtod for short significands and small powers")
    func exactDoubleFastPath() throws {
        var generator = SystemRandomNumberGenerator()
        var fastPathTaken = 0
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &generator)
            let significand = UInt64.random(in: 0..<UInt64(pow(10.0, Double(digits))), using: &generator)
            let power = Int.random(in: -25...25, using: &generator)
            let text = "\(Bool.random(using: &generator) ? "-" : "")\(significand)e\(power)"
            let form = try #require(DecimalForm(Array(text.utf8)))
            guard let fast = form.exactDouble else { continue }
            fastPathTaken += 1
            #expect(fast.bitPattern == strtod(text, nil).bitPattern, "\(text)")
        }
        #expect(fastPathTaken > 5_000)
    }

    @Test("17 to 19 significant digits read the same double as strtod, ties and Python's floats included")
    func exactDoubleLongSignificands() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            // Halfway between two doubles, below and above: ties to even, and a remainder past the tie.
            "9007199254740993", "9007199254740995", "9007199254740993.001", "9999999999999999999",
            "412.00614124872055", "364.2998976458547", "0.30000000000000004", "0.30000000000000005",
            "1.7976931348623157", "2.2250738585072014", "12345678901234567.89", "-0.12345678901234567890",
        ]
        for _ in 0..<50_000 {
            let digits = Int.random(in: 16...19, using: &generator)
            let significand = UInt64.random(in: 1..<UInt64(pow(10.0, Double(digits))), using: &generator)
            let power = Int.random(in: -19...19, using: &generator)
            texts.append("\(Bool.random(using: &generator) ? "-" : "")\(significand)e\(power)")
            // A Python float's repr, by way of Swift's shortest printing.
            let double = Double(bitPattern: UInt64.random(in: 0x3F00_0000_0000_0000...0x4300_0000_0000_0000))
            texts.append("\(double)")
        }
        var longPathTaken = 0
        for text in texts {
            let form = try #require(DecimalForm(Array(text.utf8)))
            guard let value = form.exactDouble else { continue }
            if form.significand > 1 << 53 { longPathTaken += 1 }
            #expect(value.bitPattern == strtod(text, nil).bitPattern, "\(text)")
        }
        #expect(longPathTaken > 40_000)
    }

    @Test("a number read from memory has the same form as read a byte at a time")
    func decimalFormContiguous() {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "", "-", ".", "0", "-0", "0.000", "00120", "1.50", "+.5", "5.", "1.2.3", "1e", "1e+", "0e5", "-0.0e5",
            "12345678901234567890", "1234567890123456789", "1.0000000000000000000000", "0.00000000000000000001234",
            "9999999999999999999", "99999999999999999999", "1e1000000000", "-1.5E-3", "00.05", "10.05", "1 ", "0x10",
        ]
        let alphabet = Array("00001234567899..-+eE".utf8)
        for _ in 0..<40_000 {
            let length = Int.random(in: 0...26, using: &generator)
            texts.append(
                String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self))
            let double = Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator))
            texts.append("\(double)")
            texts.append(String(format: "%.17g", double))
            texts.append(String(format: "%.2f", Double.random(in: -1e6...1e6, using: &generator)))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            #expect(DecimalForm(bytes) == DecimalForm(bytes.lazy.map { $0 }), "\(text)")
        }
    }

    @Test("the shortest-form check in integers decides as printing does, and decides most numbers")
    func shortestWithoutPrinting() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "0.1", "0.30000000000000004", "0.30000000000000005", "1e23", "9007199254740993", "123.456",
            "364.2998976458547", "364.29989764585470", "364.2998976458546", "2.2250738585072014e-308",
            "1.7976931348623157e308", "0.9999999999999999", "1.0000000000000002", "99999999999999.99",
        ]
        for _ in 0..<30_000 {
            // A double as Python, Swift and JavaScript print it, then the same with a last digit
            // off by one, cut to fewer digits, or printed with 17 digits (mostly not shortest).
            let double = Double(bitPattern: UInt64.random(in: 0x0010_0000_0000_0000...0x7FEF_FFFF_FFFF_FFFF))
            let near = Double(bitPattern: UInt64.random(in: 0x3E00_0000_0000_0000...0x4330_0000_0000_0000))
            for value in [double, near] {
                let shortest = "\(value)"
                texts.append(shortest)
                texts.append(String(format: "%.17g", value))
                texts.append(String(format: "%.16g", value))
                texts.append(String(format: "%.15g", value))
                if let last = shortest.firstIndex(of: "e").map({ shortest.index(before: $0) }) ?? shortest.indices.last,
                    let digit = shortest[last].wholeNumberValue, digit > 0, digit < 9
                {
                    texts.append(shortest.replacingCharacters(in: last...last, with: "\(digit + 1)"))
                    texts.append(shortest.replacingCharacters(in: last...last, with: "\(digit - 1)"))
                }
            }
            let digits = Int.random(in: 2...18, using: &generator)
            let significand = UInt64.random(in: 1..<UInt64(pow(10.0, Double(digits))), using: &generator)
            texts.append("\(significand)e\(Int.random(in: -30...30, using: &generator))")
        }
        // Numbers of the sizes data holds (1e-4 to 1e15) are decided without printing.
        var (common, commonDecided) = (0, 0)
        for text in texts {
            let bytes = Array(text.utf8)
            let form = try #require(DecimalForm(bytes), "\(text)")
            guard let value = form.exactDouble ?? Value.parseFiniteNumber(bytes) else { continue }
            let isCommon = (1e-4...1e15).contains(value.magnitude)
            if isCommon { common += 1 }
            guard let fast = DoubleExactness.isShortest(form, of: value) else { continue }
            if isCommon { commonDecided += 1 }
            #expect(fast == DoubleExactness.isShortestByPrinting(form, bytes, of: value), "\(text)")
        }
        #expect(commonDecided > common * 95 / 100, "\(commonDecided) of \(common) decided without printing")
    }

    @Test("a decimal column takes exponent notation where the warehouse reads it, by the exact value")
    func exponentIntoDecimal() {
        let money = ColumnType.decimal(precision: 6, scale: 2)
        #expect(ColumnInference.fits(Array("1.5e3".utf8), money, reading: CopyReading(decimalsReadExponents: true)))
        #expect(ColumnInference.fits(Array("125E-2".utf8), money, reading: CopyReading(decimalsReadExponents: true)))
        #expect(!ColumnInference.fits(Array("1.5e3".utf8), money), "Redshift promises nothing for it")
        #expect(
            !ColumnInference.fits(Array("1.2345e1".utf8), money, reading: CopyReading(decimalsReadExponents: true)),
            "a third digit of scale")
        #expect(
            !ColumnInference.fits(Array("1e4".utf8), money, reading: CopyReading(decimalsReadExponents: true)),
            "five integer digits")
        // PostgreSQL's dates and timestamps take its infinities; Redshift's do not.
        let postgres = CopyReading(decimalsReadExponents: true, datesReadInfinity: true)
        for type in [ColumnType.date, .timestamp, .timestamptz] {
            for text in ["infinity", "-Infinity"] {
                #expect(ColumnInference.fits(Array(text.utf8), type, reading: postgres), "\(type) \(text)")
                #expect(!ColumnInference.fits(Array(text.utf8), type), "\(type) \(text)")
            }
            #expect(!ColumnInference.fits(Array("+infinity".utf8), type, reading: postgres))
            #expect(!ColumnInference.fits(Array("infinite".utf8), type, reading: postgres))
        }
        #expect(ColumnInference.fits(Array("1e400".utf8), .numeric))
        #expect(!ColumnInference.fits(Array("1e400".utf8), .double), "it overflows a double")
        #expect(ColumnInference.fits(Array("NaN".utf8), .numeric))
    }

    @Test("each value is checked against the table column's type, and the first misfit is kept with its line")
    func targetMisfits() throws {
        var inference = SchemaInference(targetTypes: ["amount": .decimal(precision: 12, scale: 2), "n": .double])
        let batch = try TextBatch(
            columnNames: ["amount", "n"],
            rows: [["7.5", "1"], ["10", "0.5"], ["7.125", "-0.0"], ["1.001", "12.25"]],
            file: "day2.csv")
        try inference.observe(batch)
        let amount = try #require(inference["amount"])
        #expect(amount.misfitCount == 2)
        #expect(amount.firstMisfit == ColumnInference.Misfit(value: "7.125", file: "day2.csv", line: 3))
        #expect(!amount.fitsTarget)
        let n = try #require(inference["n"])
        #expect(n.fitsTarget)
        // The inference goes on beside the check: the values alone would be a narrow decimal.
        #expect(n.type == .decimal(precision: 4, scale: 2))
    }

    @Test("nested JSON Lines objects and arrays infer json; mixed with scalars, text")
    func nestedJSON() throws {
        func infer(_ lines: String) throws -> ColumnType? {
            let reader = JSONLinesReader(source: MemoryByteSource(Array(lines.utf8)), file: "in.jsonl")
            var inference = SchemaInference()
            while let batch = try reader.next() { try inference.observe(batch) }
            return inference["v"]?.type
        }
        #expect(try infer(#"{"v": {"a": 1}}"# + "\n" + #"{"v": [1, 2]}"# + "\n" + #"{"v": null}"#) == .json)
        #expect(try infer(#"{"v": {"a": 1}}"# + "\n" + #"{"v": "x"}"#) == .text)
        #expect(try infer(#"{"v": "{\"a\": 1}"}"#) == .text)
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
        #expect(
            try Self.infer(["1.50", "-2"], pinned: .decimal(precision: 3, scale: 1)).type
                == .decimal(precision: 3, scale: 1))
        #expect(try Self.infer(["2026-01-01", "2026-01-01 10:00:00"], pinned: .timestamptz).type == .timestamptz)
        #expect(
            try Self.infer(["0", "0e12", "-0.0", "1e300", "Infinity", "-Infinity"], pinned: .double).type == .double)
    }

    @Test(
        "a pinned double refuses literals the warehouse would refuse",
        arguments: ["1e-400", "0.0001e-330", "1e400", "-2e999"])
    func pinnedDoubleOutOfRange(literal: String) {
        #expect(throws: FrameError.self) { try Self.infer(["1.5", literal], pinned: .double) }
    }

    @Test("a value that does not fit a pinned type names line, column and value")
    func pinnedMisfit() throws {
        var inference = SchemaInference(pinnedTypes: ["amount": .smallint])
        let batch = try TextBatch(
            columnNames: ["id", "amount"],
            rows: [["1", "10"], ["2", "32767"], ["3", "40000"]], file: "in.csv")
        let error = try #require(throws: FrameError.self) { try inference.observe(batch) }
        #expect(error.kind == .valueDoesNotFit(.smallint))
        #expect(error.file == "in.csv")
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.columnName == "amount")
        #expect(error.value == "40000")
    }

    @Test(
        "pinned decimals refuse digits they would round",
        arguments: [
            ("1.25", false), ("1.20", true), ("99.9", true), ("100", false), ("-0.1", true),
        ])
    func pinnedDecimal(text: String, fits: Bool) {
        #expect(ColumnInference.fits(Array(text.utf8)[...], .decimal(precision: 3, scale: 1)) == fits)
    }
}
