import Foundation

/// One job's partitions as the warehouse records them: what `stevedore schedule status` prints and
/// the status page draws as a grid.
public struct JobStatus: Sendable, Hashable {
    public var job: String
    /// The target table, `schema.table`.
    public var table: String
    /// The names of the partition dimensions, in key order (e.g. `["date", "region"]`).
    public var dimensions: [String]
    /// Every complete partition the job covers (the newest `limit` when one was asked for), oldest first.
    public var partitions: [PartitionStatus]
    /// When the service runs this job next; nil when no service computed it.
    public var nextRun: Date?

    public init(job: String, table: String, dimensions: [String], partitions: [PartitionStatus], nextRun: Date? = nil) {
        self.job = job
        self.table = table
        self.dimensions = dimensions
        self.partitions = partitions
        self.nextRun = nextRun
    }
}

/// One partition of a job: whether it is loaded, and what its last load or attempt left behind.
public struct PartitionStatus: Sendable, Hashable {
    /// Loaded: the ledger has a committed load. Failed: not loaded, and the last attempt failed.
    /// Missing: complete (due) but never loaded. Running: an attempt is in flight in this process.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case loaded, failed, missing, running
    }

    public var key: PartitionDefinition.Key
    public var state: State
    /// Rows of the last committed load.
    public var rows: Int?
    /// When the last committed load committed (ISO 8601, UTC).
    public var loadedAt: String?
    /// The error of the last attempt, when it failed (even if an older load is still in place).
    public var lastError: String?

    public init(
        key: PartitionDefinition.Key, state: State, rows: Int? = nil, loadedAt: String? = nil,
        lastError: String? = nil
    ) {
        self.key = key
        self.state = state
        self.rows = rows
        self.loadedAt = loadedAt
        self.lastError = lastError
    }
}
