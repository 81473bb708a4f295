import Foundation
import Stevedore

/// How a scheduled job's table is partitioned: one dimension of time windows or of fixed values,
/// or several dimensions combined (e.g. day × region). Yields the keys that are due and, for each
/// key, the `PartitionSpec` the Loader takes.
public struct PartitionDefinition: Sendable, Hashable {
    /// One dimension: its name, the column it partitions, and its keys.
    public struct Dimension: Sendable, Hashable {
        public enum Keys: Sendable, Hashable {
            /// Time windows; `columnIsDate` says whether the column holds dates (else timestamps).
            case time(TimeWindowPartitions, columnIsDate: Bool)
            /// A fixed list of values, e.g. regions.
            case values([String])
        }

        public var name: String
        public var column: String
        public var keys: Keys

        public init(name: String, column: String, keys: Keys) {
            self.name = name
            self.column = column
            self.keys = keys
        }
    }

    public var dimensions: [Dimension]

    public init(_ dimensions: [Dimension]) {
        self.dimensions = dimensions
    }

    /// A key: one value per dimension, in the definition's order.
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public var values: [String]

        public init(values: [String]) {
            self.values = values
        }

        /// `2024-01-02|eu`: the values joined, as the scheduler records it.
        public var description: String { values.joined(separator: "|") }
    }

    /// Every due key as of `now`: complete time windows times every fixed value, oldest window first;
    /// only the newest `latestWindows` windows of each time dimension when given.
    public func keys(asOf now: Date, latestWindows: Int? = nil) -> [Key] {
        var keys: [[String]] = [[]]
        for dimension in dimensions {
            let values: [String]
            switch dimension.keys {
            case .time(let windows, _):
                if let latestWindows {
                    values = windows.latestCompleteWindows(asOf: now, count: latestWindows).map(\.key)
                } else {
                    values = windows.completeWindows(asOf: now).map(\.key)
                }
            case .values(let list): values = list
            }
            keys = keys.flatMap { prefix in values.map { prefix + [$0] } }
        }
        return dimensions.isEmpty ? [] : keys.map { Key(values: $0) }
    }

    /// The Loader's partition for `key`, or nil when the key is not one of this definition's.
    public func spec(for key: Key) -> PartitionSpec? {
        guard key.values.count == dimensions.count else { return nil }
        var parts: [PartitionSpec.Dimension] = []
        for (dimension, value) in zip(dimensions, key.values) {
            switch dimension.keys {
            case .time(let windows, let columnIsDate):
                guard let window = windows.window(forKey: value) else { return nil }
                parts.append(
                    windows.spec(
                        for: window, dimension: dimension.name, column: dimension.column,
                        columnIsDate: columnIsDate))
            case .values(let list):
                guard list.contains(value) else { return nil }
                parts.append(.init(dimension.name, .column(dimension.column), .value(value)))
            }
        }
        return PartitionSpec(parts)
    }
}
