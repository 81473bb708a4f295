import Dispatch
import Foundation
import Scheduler

/// Runs the service's work in a task and stops it on signals: the first SIGTERM or SIGINT asks the
/// service to take no new work and gives the loads in flight `grace` seconds before they are
/// cancelled (rolled back); a second signal cancels them at once.
final class GracefulStop: @unchecked Sendable {
    private let task: Task<Void, Never>
    private let sources: [DispatchSourceSignal]

    init(grace: TimeInterval, service: ScheduleService, _ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        self.task = task
        let queue = DispatchQueue(label: "stevedore.signals")
        let count = SignalCount()
        sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if count.next() == 1 {
                    FileHandle.standardError.write(Data(
                        "stevedore: \(name): no new work; loads in flight have \(Int(grace))s (a second signal stops them now)\n".utf8))
                    Task {
                        await service.shutdown()
                        try? await Task.sleep(for: .seconds(grace))
                        task.cancel()
                    }
                } else {
                    FileHandle.standardError.write(Data("stevedore: \(name) again: rolling back the loads in flight\n".utf8))
                    Task { await service.shutdown() }
                    task.cancel()
                }
            }
            source.resume()
            return source
        }
    }

    /// Waits for the work to end, then stops listening for signals.
    var value: Void {
        get async {
            await task.value
            for source in sources { source.cancel() }
        }
    }

    /// Counts signals received.
    private final class SignalCount: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            count += 1
            return count
        }
    }
}
