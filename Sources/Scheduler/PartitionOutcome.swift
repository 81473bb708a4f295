import Foundation

/// What happened to one partition in a run or backfill.
public struct PartitionOutcome: Sendable, Hashable {
    /// How the partition ended up.
    public enum Result: String, Sendable, Hashable {
        /// Loaded (committed), or skipped because its rows equal the last load.
        case loaded, skipped
        /// Every attempt failed; `error` is the last one's.
        case failed
        /// Stopped at shutdown before it committed (or before a retry): untouched, due again.
        case cancelled
        /// Another instance held its lock, or had loaded it by the time this one could.
        case loadedElsewhere
    }

    public var job: String
    public var key: PartitionDefinition.Key
    public var result: Result
    public var attempts: Int
    public var rows: Int?
    public var error: String?
}

/// Something the service did, for progress on a terminal or in logs.
public enum ServiceEvent: Sendable {
    case due(job: String, keys: [PartitionDefinition.Key])
    case attemptStarted(job: String, key: PartitionDefinition.Key, attempt: Int)
    case attemptFailed(job: String, key: PartitionDefinition.Key, attempt: Int, error: String, retryAt: Date?)
    case finished(PartitionOutcome)
}
