import Warehouse

/// When a load whose transaction failed on a serializable isolation conflict (Redshift's
/// `ERROR: 1023`) runs its transaction again: a bounded number of times, after exponential backoff
/// with full jitter. The load is one transaction, rolled back whole, so running it again is safe;
/// any other error is not retried. `random` and `sleep` are injectable for tests.
public struct ConflictRetry: Sendable {
    /// Retries after the first failure; 0 turns retrying off.
    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A number in `0..<1` that picks the wait inside the backoff's cap.
    public var random: @Sendable () -> Double
    /// Waits out a delay (`Task.sleep` by default, so cancellation ends it).
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        maxRetries: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(15),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
        self.sleep = sleep
    }

    /// No retries.
    public static let none = ConflictRetry(maxRetries: 0)

    /// Whether `error` is a serializable isolation violation: Redshift reports it as
    /// `ERROR: 1023 DETAIL: Serializable isolation violation on table …`
    /// (https://repost.aws/knowledge-center/redshift-serializable-isolation).
    public static func isConflict(_ error: any Error) -> Bool {
        guard let error = error as? WarehouseError, error.code == .serverError else { return false }
        let text = ([error.message] + [error.detail].compactMap { $0 }).joined(separator: " ").lowercased()
        return text.contains("serializable isolation violation")
            || error.message.trimmingPrefix("ERROR:").drop { $0 == " " }.hasPrefix("1023")
    }

    /// The wait before running the transaction again after it failed with `error`, having been
    /// retried `retries` times already; nil when it must not run again (another error, or no
    /// retries left). The wait is a random share of `baseDelay · 2^retries`, capped at `maxDelay`.
    public func delay(after error: any Error, retries: Int) -> Duration? {
        guard retries < maxRetries, Self.isConflict(error) else { return nil }
        var cap = baseDelay * (1 << min(retries, 30))
        if cap > maxDelay { cap = maxDelay }
        return cap * min(max(random(), 0), 1)
    }
}
