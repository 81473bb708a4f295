import Foundation
import Scheduler

/// The outcomes of work run by `GracefulStop`, handed back to the command.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [PartitionOutcome] = []

    func set(_ outcomes: [PartitionOutcome]) {
        lock.lock()
        self.outcomes = outcomes
        lock.unlock()
    }

    var value: [PartitionOutcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}
