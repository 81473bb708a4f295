/// How a table Stevedore creates is laid out: its distribution style, its distribution key and its
/// compound sort key. Only Redshift has them
/// (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html); a dialect without them
/// refuses any design but the default (`Dialect.refusal(ofTableDesign:)`). It applies to tables
/// Stevedore creates, never to one that exists.
///
///     TableDesign()                                                  // DISTSTYLE AUTO
///     TableDesign(distributionKey: "customer_id", sortKeys: ["sale_date"])
///                                        // DISTSTYLE KEY DISTKEY("customer_id") COMPOUND SORTKEY("sale_date")
public struct TableDesign: Sendable, Hashable, CustomStringConvertible {
    /// Redshift's `DISTSTYLE`.
    public enum DistributionStyle: String, Sendable, Hashable, CaseIterable {
        case auto, even, key, all
    }

    /// The most sort key columns one table may have
    /// (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_usage.html, "Limits and quotas").
    public static let maxSortKeys = 400

    /// The style asked for; nil means KEY when `distributionKey` is set, else AUTO.
    public var distributionStyle: DistributionStyle?
    /// The column rows are distributed by (style KEY).
    public var distributionKey: String?
    /// The compound sort key's columns, in order; empty leaves sorting to the warehouse.
    public var sortKeys: [String]

    public init(distributionStyle: DistributionStyle? = nil, distributionKey: String? = nil, sortKeys: [String] = []) {
        self.distributionStyle = distributionStyle
        self.distributionKey = distributionKey
        self.sortKeys = sortKeys
    }

    /// Nothing asked for: the warehouse's own choices.
    public var isDefault: Bool { distributionStyle == nil && distributionKey == nil && sortKeys.isEmpty }

    /// The style the table is created with: the one asked for, else KEY with a key, else AUTO.
    public var effectiveStyle: DistributionStyle { distributionStyle ?? (distributionKey == nil ? .auto : .key) }

    /// Every column the design names, the distribution key first, each once.
    public var keyColumns: [String] {
        var seen = Set<String>()
        return ((distributionKey.map { [$0] } ?? []) + sortKeys).filter { seen.insert($0).inserted }
    }

    /// The same design with every column name passed through `rename` (e.g. to the data's spelling).
    public func renamingColumns(_ rename: (String) -> String) -> TableDesign {
        TableDesign(
            distributionStyle: distributionStyle, distributionKey: distributionKey.map(rename),
            sortKeys: sortKeys.map(rename))
    }

    /// What is wrong with the combination itself, whatever the warehouse, or nil. A distribution
    /// key goes with style KEY, or no style, and style KEY needs a key
    /// (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_usage.html: "If DISTKEY is
    /// set, either at the column level or at the table level, DISTSTYLE must be set to KEY or not
    /// set at all"); a sort key names each column once, and at most 400 of them.
    public var combinationProblem: String? {
        if let key = distributionKey, key.isEmpty { return "the distribution key (--dist-key) is empty" }
        if let style = distributionStyle, style != .key, let key = distributionKey {
            return "the distribution key '\(key)' (--dist-key) needs the distribution style key, not "
                + "\(style.rawValue) (--dist-style)"
        }
        if distributionStyle == .key, distributionKey == nil {
            return "the distribution style key (--dist-style) needs a distribution key column (--dist-key)"
        }
        if sortKeys.contains(where: \.isEmpty) { return "a sort key column (--sort-key) is empty" }
        var seen = Set<String>()
        if let twice = sortKeys.first(where: { !seen.insert($0).inserted }) {
            return "the sort key names the column '\(twice)' twice (--sort-key)"
        }
        if sortKeys.count > Self.maxSortKeys {
            return "a sort key holds at most \(Self.maxSortKeys) columns, not \(sortKeys.count) (--sort-key)"
        }
        return nil
    }

    /// `style key, distribution key customer_id, sort key (sale_date, id)`.
    public var description: String {
        var parts = ["style \(effectiveStyle.rawValue)"]
        if let distributionKey { parts.append("distribution key \(distributionKey)") }
        if !sortKeys.isEmpty { parts.append("sort key (\(sortKeys.joined(separator: ", ")))") }
        return parts.joined(separator: ", ")
    }
}
