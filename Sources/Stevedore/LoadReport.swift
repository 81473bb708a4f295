import Warehouse

/// What a load did: its id, where it went, how much it moved, where it staged, how long each
/// phase took. The CLI prints it (`--json`); pipelines log or return it.
public struct LoadReport: Sendable, Hashable, CustomStringConvertible {
    /// One timed phase of the load.
    public struct Phase: Sendable, Hashable {
        public var name: String
        public var duration: Duration
        public var seconds: Double { duration.seconds }
    }

    public var loadID: LoadID
    public var table: TableRef
    public var partition: PartitionSpec?
    public var mode: WriteMode
    public var rows: Int
    public var uncompressedBytes: Int
    public var compressedBytes: Int
    public var parts: Int
    /// Where the staged parts were (removed after the commit unless kept).
    public var stagePrefix: String
    /// True when `skipUnchanged` found the same content already loaded and copied nothing, or when
    /// `skipIfLoaded` found the partition loaded (`alreadyLoaded`).
    public var skipped: Bool
    /// True when `skipIfLoaded` found, under the partition's lock, a committed load of the partition.
    public var alreadyLoaded = false
    public var phases: [Phase]
    /// How the rows reached the table.
    public var copy = CopyMode.sequential
    /// Column changes the pipelined copy made while it ran (`"amount: bigint → numeric"`).
    public var changedWhileCopying: [String] = []
    /// Rows the pipelined copy sent in PostgreSQL's binary COPY format (the rest went as CSV).
    public var rowsCopiedInBinary = 0
    /// Of those, the rows the encoder wrote in binary from the input's fields as it staged them; the
    /// others were converted from their staged CSV (the table's types were not yet known, or changed).
    public var rowsBinaryFromInput = 0
    /// Times the load's transaction ran again after a serializable isolation conflict (Redshift's
    /// ERROR 1023; see `ConflictRetry`).
    public var conflictRetries = 0

    /// How a load's rows reached the table.
    public enum CopyMode: String, Sendable, Hashable {
        /// Copied batch by batch while the parts were staged (PostgreSQL).
        case pipelined
        /// Copied from the complete stage.
        case sequential
        /// The pipelined copy stopped (`fallbackReason`) and the complete stage was copied.
        case fellBack = "pipelined, then sequential"
    }

    /// Why the pipelined copy fell back, when it did.
    public var fallbackReason: String?

    /// The table's columns as the catalog had them after the load (empty if it could not be read).
    public var columns: [ColumnDefinition] = []

    public var description: String {
        let partitionText = partition.map { " partition \($0.label)" } ?? ""
        let verb = alreadyLoaded ? "skipped (already loaded)" : skipped ? "skipped (unchanged)" : "loaded"
        return "\(verb) \(rows) rows into \(table)\(partitionText) (\(mode)), \(parts) part\(parts == 1 ? "" : "s"), "
            + "\(compressedBytes) bytes staged, load \(loadID)"
    }
}
