/// What a load does to the rows already in the table.
public enum WriteMode: Sendable, Hashable, CustomStringConvertible {
    /// Delete every row, then load: the table holds exactly the new rows.
    case replace
    /// Delete the partition's rows, then load; every other row stays as it was.
    case replacePartition
    /// Keep every row and add the new ones.
    case append
    /// Replace rows whose key columns match a new row, add the others. Keys must be unique in the load.
    case merge(keys: [String])

    public var description: String {
        switch self {
        case .replace: return "replace"
        case .replacePartition: return "partition"
        case .append: return "append"
        case .merge(let keys): return "merge(\(keys.joined(separator: ",")))"
        }
    }
}
