import Scheduler

/// What the status server shows: the scheduler service answers these on every request, so each
/// answer is as fresh as the service's own state.
public protocol StatusProvider: Sendable {
    /// Whether the service works; `/healthz` answers 200 `ok` when true, 503 `unhealthy` when false.
    func isHealthy() async -> Bool
    /// The service's metrics in the Prometheus text format 0.0.4, served as is on `/metrics`.
    func metricsText() async -> String
    /// Every job with its partitions, for the HTML page on `/`; an error there turns the page into a 503
    /// that shows the error.
    func jobStatuses() async throws -> [JobStatus]
}
