import Stevedore

/// The scheduler service (partition definitions, jobs, schedules, catch-up and backfills) lives in
/// this module; it is built on the `Stevedore` loader and knows nothing of argument parsing.
public enum SchedulerModule {
    /// The library release the scheduler runs with.
    public static var version: String { StevedoreVersion.current }
}
