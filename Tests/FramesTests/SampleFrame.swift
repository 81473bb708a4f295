import TestSupport

@testable import Frames

/// A deterministic frame with every column type and the values that break naive CSV and number
/// handling: NULLs beside empty strings, delimiters, quotes, CR/LF, `\N`, `\.`, 4-byte UTF-8, extreme
/// integers, 38-digit decimals, subnormal doubles, -0.0, NaN and infinities.
enum SampleFrame {
    /// The same numbers for the same seed, so a failing case can be rerun.
    typealias Generator = SeededGenerator

    static let specialTexts = [
        "", "\\N", "\\.", "a,b", "\"quoted\"", "line\nfeed", "cr\rlf\r\n", " padded ", "🚀 4-byte 𝄞 ü",
        "\"", ",", "\\", "NULL", "null", "\t", "trailing,", "\n",
    ]
    static let specialDoubles: [Double] = [
        -0.0, 0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        Double(sign: .plus, exponentBitPattern: 0, significandBitPattern: 1 << 40),
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .nan, .infinity, -.infinity, 0.1, 1.0 / 3.0,
    ]
    static let specialDecimals = [
        "99999999999999999999999999999999.999999", "-99999999999999999999999999999999.999999", "0",
        "0.000001", "-0.5", "12345678901234567890123456789012.345678",
    ]

    static func make(rows: Int, seed: UInt64 = 42) throws -> Frame {
        var random = Generator(seed: seed)
        let alphabet = Array("abcxyz ,\"\r\n\\N.é€🚀𝄞'")
        func isNull(_ row: Int, every: Int) -> Bool { row % every == every - 1 }

        var flags: [Bool?] = []
        var smalls: [Int16?] = []
        var mediums: [Int32?] = []
        var bigs: [Int64?] = []
        var amounts: [ExactDecimal?] = []
        var ratios: [Double?] = []
        var labels: [String?] = []
        var days: [CivilDate?] = []
        var stamps: [Timestamp?] = []
        var instants: [Timestamp?] = []
        var docs: [String?] = []
        let firstDay = CivilDate.days(year: 1, month: 1, day: 1)
        let lastDay = CivilDate.days(year: 9999, month: 12, day: 31)
        for row in 0..<rows {
            flags.append(isNull(row, every: 5) ? nil : random.next() & 1 == 0)
            smalls.append(
                isNull(row, every: 6)
                    ? nil : [Int16.min, .max, 0][safe: row] ?? Int16(truncatingIfNeeded: random.next()))
            mediums.append(
                isNull(row, every: 7) ? nil : [Int32.min, .max][safe: row] ?? Int32(truncatingIfNeeded: random.next()))
            bigs.append(
                isNull(row, every: 8) ? nil : [Int64.min, .max, -1][safe: row] ?? Int64(bitPattern: random.next()))
            if isNull(row, every: 9) {
                amounts.append(nil)
            } else if let special = specialDecimals[safe: row] {
                amounts.append(ExactDecimal(special))
            } else {
                let digits = (0..<(1 + random.below(32))).map { _ in String(random.below(10)) }.joined()
                let fraction = (0..<6).map { _ in String(random.below(10)) }.joined()
                amounts.append(ExactDecimal((random.next() & 1 == 0 ? "-" : "") + digits + "." + fraction))
            }
            if isNull(row, every: 10) {
                ratios.append(nil)
            } else if let special = specialDoubles[safe: row] {
                ratios.append(special)
            } else {
                let candidate = Double(bitPattern: random.next())
                ratios.append(candidate.isFinite ? candidate : Double(random.below(1000)) / 7)
            }
            if isNull(row, every: 4) {
                labels.append(nil)
            } else if let special = specialTexts[safe: row / 4 * 3 + row % 4] {
                labels.append(special)
            } else {
                labels.append(String((0..<random.below(12)).map { _ in alphabet[random.below(alphabet.count)] }))
            }
            let day = firstDay + random.below(lastDay - firstDay + 1)
            days.append(
                isNull(row, every: 11) ? nil : CivilDate(daysSinceEpoch: [firstDay, lastDay][safe: row] ?? day))
            let micros = Int64(day) * Timestamp.microsecondsPerDay + Int64(random.below(86_400_000_000))
            stamps.append(isNull(row, every: 12) ? nil : Timestamp(microsecondsSinceEpoch: micros))
            instants.append(isNull(row, every: 13) ? nil : Timestamp(microsecondsSinceEpoch: micros - 1_234_567))
            docs.append(
                isNull(row, every: 3)
                    ? nil
                    : "{\"n\": \(row), \"s\": \"x,\\\"y\\\"\\n🚀\", \"a\": [true, null, \(row % 7).5]}")
        }
        return try Frame(columns: [
            .bigint("id", (0..<rows).map { Int64($0) }),
            .boolean("flag", flags),
            .smallint("small", smalls),
            .integer("medium", mediums),
            .bigint("big", bigs),
            .decimal("amount", precision: 38, scale: 6, amounts),
            .double("ratio", ratios),
            .text("label", labels),
            .date("day", days),
            .timestamp("at", stamps),
            .timestamptz("at_utc", instants),
            .json("doc", docs),
        ])
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
