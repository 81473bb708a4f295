import Foundation
import Frames

/// A frame with a column of every type, NULLs, empty strings, awkward text and extreme values.
enum AllTypes {
    static func frame(rows: Int = 3_000) throws -> Frame {
        func pick<T>(_ values: [T?], _ row: Int) -> T? { values[row % values.count] }
        let texts: [String?] = [
            nil, "", "plain", "comma, \"quote\"", "line\nbreak\r\nmore", "𝄞 ünïcödé 🚀", "\\N", " spaced ",
        ]
        let doubles: [Double?] = [nil, 0.1, -0.0, 1.0 / 3.0, 1e300, -2.5e-300, .infinity, .nan, .leastNonzeroMagnitude]
        let decimals: [ExactDecimal?] = [
            nil, ExactDecimal("0.000001"), ExactDecimal("-99999999999999999999999999999999.999999"),
            ExactDecimal("12.50"),
        ]
        let dates: [CivilDate?] = [nil, CivilDate("2024-02-29"), CivilDate("0001-01-01"), CivilDate("9999-12-31")]
        let stamps: [Timestamp?] = [nil, Timestamp("2024-02-29 23:59:59.999999"), Timestamp("1970-01-01 00:00:00")]
        let instants: [Timestamp?] = [
            nil, Timestamp("2024-03-10T02:30:00.123456Z", instant: true),
            Timestamp("1999-12-31T23:59:59+05:30", instant: true),
        ]
        let integers: [Int64?] = [nil, .min, .max, 0, -1]
        return try Frame(columns: [
            Column.bigint("id", (0..<rows).map { Int64($0) }),
            Column.boolean("flag", (0..<rows).map { pick([nil, true, false], $0) }),
            Column.integer("small", (0..<rows).map { pick([nil, Int32.min, Int32.max, 7], $0) }),
            Column.bigint("big", (0..<rows).map { pick(integers, $0) }),
            try Column.decimal("money", precision: 38, scale: 6, (0..<rows).map { pick(decimals, $0) }),
            Column.double("ratio", (0..<rows).map { pick(doubles, $0) }),
            Column.text("label", (0..<rows).map { pick(texts, $0) }),
            Column.date("day", (0..<rows).map { pick(dates, $0) }),
            Column.timestamp("seen", (0..<rows).map { pick(stamps, $0) }),
            Column.timestamptz("at", (0..<rows).map { pick(instants, $0) }),
            Column.json("doc", (0..<rows).map { pick([nil, "{\"a\": [1, 2, {\"b\": null}]}", "[]"], $0) }),
        ])
    }
}
