/// A load or load-back that failed: the step it failed in, the table and partition, the stage
/// prefix of its staged parts, what went wrong, and the underlying error (a `WarehouseError`,
/// `ObjectStoreError` or `FrameError` with its own context). Never holds a secret.
public struct StevedoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// A table name, partition or option that cannot be used as given.
        public static let invalidRequest = Code("invalidRequest")
        /// A row whose partition value is not the partition being loaded.
        public static let rowOutsidePartition = Code("rowOutsidePartition")
        /// The data's types cannot go into the existing table without losing data.
        public static let incompatibleSchema = Code("incompatibleSchema")
        /// Two rows of one merge load share a key.
        public static let duplicateMergeKey = Code("duplicateMergeKey")
        /// The input could not be read (malformed CSV or JSON Lines, a value that does not fit).
        public static let input = Code("input")
        /// Staging the parts, or reading them back, failed.
        public static let stage = Code("stage")
        /// The warehouse refused or failed a statement.
        public static let warehouse = Code("warehouse")

        public var description: String { name }
    }

    /// The phase of a load.
    public enum Step: String, Sendable, Hashable {
        case plan, encode, stage, ddl, lock, delete, copy, ledger, commit, cleanup
        case loadBack = "load back"
    }

    public var code: Code
    public var step: Step
    public var message: String
    public var table: String?
    public var partition: String?
    /// Where the load's staged parts are (kept after a failure, for inspection or re-copy).
    public var stagePrefix: String?
    public var underlying: (any Error)?

    public init(
        code: Code, step: Step, message: String, table: String? = nil, partition: String? = nil,
        stagePrefix: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.step = step
        self.message = message
        self.table = table
        self.partition = partition
        self.stagePrefix = stagePrefix
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(step.rawValue) failed"
        if let table { text += " for \(table)" }
        if let partition, !partition.isEmpty { text += " partition \(partition)" }
        text += ": \(message)"
        if let stagePrefix { text += " (staged parts kept at \(stagePrefix))" }
        return text
    }
}
