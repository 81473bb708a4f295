import Frames

/// Checks, as rows are staged, that every row belongs to the partition being loaded, for the
/// dimensions that are plain columns. Values compare as what they are (integers, decimals, dates,
/// timestamps) when both sides parse as such, and as text otherwise.
struct PartitionMembership: Sendable {
    private let dimensions: [(column: String, key: PartitionSpec.Key)]
    private let label: String

    init(_ partition: PartitionSpec?) {
        dimensions =
            partition?.dimensions.compactMap { dimension in
                if case .column(let column) = dimension.expression { return (column, dimension.key) }
                return nil
            } ?? []
        label = partition?.label ?? ""
    }

    var isEmpty: Bool { dimensions.isEmpty }

    /// Every row of `batch`, or the first that is outside the partition as an error naming it.
    func check(_ batch: TextBatch) throws {
        guard !dimensions.isEmpty else { return }
        for (column, key) in dimensions {
            guard let index = batch.columnNames.firstIndex(of: column) else {
                throw missingColumn(column)
            }
            for row in 0..<batch.rowCount {
                let value = batch.string(row: row, column: index)
                if !Self.contains(key, value) {
                    throw outside(column: column, value: value, line: batch.line(ofRow: row), file: batch.file)
                }
            }
        }
    }

    /// Every row of `frame` (rows counted from 1).
    func check(_ frame: Frame) throws {
        guard !dimensions.isEmpty else { return }
        for (column, key) in dimensions {
            guard let index = frame.columns.firstIndex(where: { $0.name == column }) else {
                throw missingColumn(column)
            }
            for (row, value) in frame.columns[index].values.enumerated() {
                let text = value.map(\.description)
                if !Self.contains(key, text) {
                    throw outside(column: column, value: text, line: row + 1, file: nil)
                }
            }
        }
    }

    static func contains(_ key: PartitionSpec.Key, _ value: String?) -> Bool {
        guard let value else { return false }
        switch key {
        case .value(let expected):
            return compare(value, expected) == 0
        case .values(let expected):
            return expected.contains { compare(value, $0) == 0 }
        case .range(let first, let last):
            return compare(value, first) >= 0 && compare(value, last) <= 0
        case .window(let start, let end):
            return compare(value, start) >= 0 && compare(value, end) < 0
        }
    }

    /// -1, 0 or 1 for a row's `value` against a partition's `bound`: typed when both parse as the
    /// same kind of value, by UTF-8 bytes otherwise. Dates and times compare as the warehouse's
    /// `column op CAST(bound AS column type)` does: against a date or a timestamp without time zone
    /// the bound's wall clock counts and its offset is ignored; against an instant a bound without
    /// offset is UTC (the session's time zone).
    static func compare(_ value: String, _ bound: String) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        // Leading zeros mean text (zip codes, codes): "07" is not the partition "7".
        if !hasLeadingZero(value) && !hasLeadingZero(bound) {
            if let x = Int64(value), let y = Int64(bound) { return order(x, y) }
            if let x = ExactDecimal(value), let y = ExactDecimal(bound) { return order(x, y) }
        }
        if let date = CivilDate(value), let wallClock = Timestamp(wallClock: bound) {
            return order(date, wallClock.date)
        }
        if let timestamp = Timestamp(value), let wallClock = Timestamp(wallClock: bound) {
            return order(timestamp, wallClock)
        }
        if let instant = Timestamp(value, instant: true), let other = Timestamp(bound, instant: true) {
            return order(instant, other)
        }
        let x = Array(value.utf8)
        let y = Array(bound.utf8)
        if x == y { return 0 }
        return x.lexicographicallyPrecedes(y) ? -1 : 1
    }

    private static func hasLeadingZero(_ text: String) -> Bool {
        let digits = text.drop { $0 == "-" || $0 == "+" }
        return digits.count > 1 && digits.first == "0" && digits.dropFirst().first?.isNumber == true
    }

    private func missingColumn(_ column: String) -> StevedoreError {
        StevedoreError(
            code: .rowOutsidePartition, step: .encode,
            message: "the partition column '\(column)' is not in the data", partition: label)
    }

    private func outside(column: String, value: String?, line: Int, file: String?) -> StevedoreError {
        let place = file.map { "\($0):\(line)" } ?? "row \(line)"
        let shown = value.map { "'\($0)'" } ?? "NULL"
        return StevedoreError(
            code: .rowOutsidePartition, step: .encode,
            message: "\(place): \(column) is \(shown), which is not in partition \(label)",
            partition: label)
    }
}
