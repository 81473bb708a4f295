/// How often and how patiently a failed request is tried again: exponential backoff with full
/// jitter (a random wait between zero and the capped exponential), longer after `SlowDown`.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Factor applied to the backoff when the server says it is throttling (`SlowDown`).
    public var throttleFactor: Int

    public init(
        maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(20),
        throttleFactor: Int = 4
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.throttleFactor = max(1, throttleFactor)
    }

    /// No retries: every failure surfaces at once.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1`, after `attempt` failed (1-based).
    public func delay(after attempt: Int, throttled: Bool) -> Duration {
        let exponent = min(attempt - 1, 30)
        var cap = baseDelay * (1 << exponent)
        if throttled { cap = cap * throttleFactor }
        if cap > maxDelay { cap = maxDelay }
        let capNanoseconds = max(Int64(1), cap.nanoseconds)
        return .nanoseconds(Int64.random(in: 0...capNanoseconds))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
