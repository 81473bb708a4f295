import Foundation

/// The wall clock the scheduler reads and sleeps on. The service uses `SystemClock`; tests pass a
/// clock they move themselves, so a week of schedules runs in a moment.
public protocol SchedulerClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Returns at `deadline` (at once when it has passed); throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemClock: SchedulerClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 {
            try await Task.sleep(for: .seconds(seconds))
        } else {
            try Task.checkCancellation()
        }
    }
}
