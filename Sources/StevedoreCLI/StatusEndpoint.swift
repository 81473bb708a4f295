import Foundation
import Scheduler

/// The HTTP endpoint of `schedule run --listen` (health, metrics, status page). Placeholder until
/// the StatusServer module lands: refuses --listen.
enum StatusEndpoint {
    static func start(_ address: String?, service: ScheduleService, verbose: Bool) throws -> Task<Void, Never>? {
        guard address != nil else { return nil }
        throw Failure.usageError("--listen is not available in this build")
    }
}
