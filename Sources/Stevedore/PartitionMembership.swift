import Frames

/// Checks, as rows are staged, that every row belongs to the partition being loaded, for the
/// dimensions that are plain columns. Values compare as what they are (integers, decimals, dates,
/// timestamps) when both sides parse as such, and as text otherwise.
struct PartitionMembership: Sendable {
    private let dimensions: [(column: String, key: Key)]
    private let label: String

    init(_ partition: PartitionSpec?) {
        dimensions =
            partition?.dimensions.compactMap { dimension in
                if case .column(let column) = dimension.expression { return (column, Key(dimension.key)) }
                return nil
            } ?? []
        label = partition?.label ?? ""
    }

    /// A partition's key with each bound read once, not once a row.
    struct Key: Sendable {
        let lower: Bound?
        let lowerIncluded: Bool
        let upper: Bound?
        let upperIncluded: Bool
        /// The values of a set (or the one value), when the key is one.
        let members: [Bound]

        init(_ key: PartitionSpec.Key) {
            switch key {
            case .value(let value):
                (lower, lowerIncluded, upper, upperIncluded, members) = (nil, true, nil, true, [Bound(value)])
            case .values(let values):
                (lower, lowerIncluded, upper, upperIncluded, members) = (nil, true, nil, true, values.map(Bound.init))
            case .range(let first, let last):
                (lower, lowerIncluded, upper, upperIncluded, members) = (Bound(first), true, Bound(last), true, [])
            case .window(let start, let end):
                (lower, lowerIncluded, upper, upperIncluded, members) = (Bound(start), true, Bound(end), false, [])
            }
        }

        func contains(_ value: String) -> Bool {
            if lower == nil && upper == nil { return members.contains { compare(value, $0) == 0 } }
            if let lower {
                let order = compare(value, lower)
                guard order > 0 || (order == 0 && lowerIncluded) else { return false }
            }
            if let upper {
                let order = compare(value, upper)
                guard order < 0 || (order == 0 && upperIncluded) else { return false }
            }
            return true
        }
    }

    /// A partition's bound in each form a row's value may be compared in.
    struct Bound: Sendable {
        let text: [UInt8]
        let hasLeadingZero: Bool
        let integer: Int64?
        let decimal: ExactDecimal?
        /// As the warehouse casts it to a date or a timestamp without time zone: its wall clock.
        let wallClock: Timestamp?
        /// As it casts it to a timestamp with time zone: a bound without offset is UTC.
        let instant: Timestamp?

        init(_ text: String) {
            self.text = Array(text.utf8)
            hasLeadingZero = PartitionMembership.hasLeadingZero(text)
            integer = Int64(text)
            decimal = ExactDecimal(text)
            wallClock = Timestamp(wallClock: text)
            instant = Timestamp(text, instant: true)
        }
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
                if !(value.map(key.contains) ?? false) {
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
                if !(text.map(key.contains) ?? false) {
                    throw outside(column: column, value: text, line: row + 1, file: nil)
                }
            }
        }
    }

    static func contains(_ key: PartitionSpec.Key, _ value: String?) -> Bool {
        guard let value else { return false }
        return Key(key).contains(value)
    }

    /// -1, 0 or 1 for a row's `value` against a partition's `bound`: typed when both parse as the
    /// same kind of value, by UTF-8 bytes otherwise. Dates and times compare as the warehouse's
    /// `column op CAST(bound AS column type)` does: against a date or a timestamp without time zone
    /// the bound's wall clock counts and its offset is ignored; against an instant a bound without
    /// offset is UTC (the session's time zone).
    static func compare(_ value: String, _ bound: Bound) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        // Leading zeros mean text (zip codes, codes): "07" is not the partition "7".
        if !hasLeadingZero(value) && !bound.hasLeadingZero {
            if let y = bound.integer, let x = Int64(value) { return order(x, y) }
            if let y = bound.decimal, let x = ExactDecimal(value) { return order(x, y) }
        }
        if let wallClock = bound.wallClock {
            if let date = CivilDate(value) { return order(date, wallClock.date) }
            if let timestamp = Timestamp(value) { return order(timestamp, wallClock) }
        }
        if let other = bound.instant, let instant = Timestamp(value, instant: true) { return order(instant, other) }
        let x = Array(value.utf8)
        if x == bound.text { return 0 }
        return x.lexicographicallyPrecedes(bound.text) ? -1 : 1
    }

    static func hasLeadingZero(_ text: String) -> Bool {
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
