import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a command's services in a swift-service-lifecycle `ServiceGroup` and stops them on signals:
/// the first SIGTERM or SIGINT shuts the group down gracefully (no new work; loads in flight have
/// `grace` seconds, then the group is cancelled and they roll back); a second one cancels it at once.
enum SignalledServiceGroup {
    /// How the signal watcher or the group ended.
    private enum Ended: Sendable {
        case group
        case secondSignal
        case signalsEnded
    }

    /// Runs `services` until they all finish, or a signal stops them. A service that returns shuts the
    /// others down gracefully; one that throws cancels them, and `run` throws its error.
    static func run(_ services: [any Service], grace: TimeInterval) async throws {
        var logger = Logger(label: "stevedore.lifecycle")
        logger.logLevel = .warning
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .cancelGroup)
            },
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64((grace * 1000).rounded()))
        let group = ServiceGroup(configuration: configuration)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var signalled = false
        do {
            try await withThrowingTaskGroup(of: Ended.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return .group
                }
                tasks.addTask { await watch(signals, group: group, grace: grace) }
                while let ended = try await tasks.next() {
                    switch ended {
                    case .group:
                        tasks.cancelAll()  // stops watching for signals
                    case .secondSignal:
                        signalled = true
                        tasks.cancelAll()  // cancels the group: the loads in flight roll back now
                    case .signalsEnded:
                        break
                    }
                }
            }
        } catch is CancellationError where signalled {
            // A service that was waiting (for the status endpoint to listen) saw the cancellation.
        }
    }

    /// Runs `work` as the group's one service and returns what it returned (see `run`).
    static func run<T: Sendable>(grace: TimeInterval, _ work: @escaping @Sendable () async -> T) async throws -> T {
        let service = WorkService(work: work)
        try await run([service], grace: grace)
        guard let value = await service.result.value else { throw CancellationError() }
        return value
    }

    /// The first signal triggers the group's graceful shutdown; the second ends the watch.
    private static func watch(_ signals: UnixSignalsSequence, group: ServiceGroup, grace: TimeInterval) async -> Ended {
        var seen = 0
        for await signal in signals {
            seen += 1
            if seen == 1 {
                FileHandle.standardError.write(
                    Data(
                        "stevedore: \(signal): no new work; loads in flight have \(Int(grace))s (a second signal stops them now)\n"
                            .utf8))
                await group.triggerGracefulShutdown()
            } else {
                FileHandle.standardError.write(
                    Data("stevedore: \(signal) again: rolling back the loads in flight\n".utf8))
                return .secondSignal
            }
        }
        return .signalsEnded
    }
}

/// One piece of work (a `--once` pass, a backfill) as a service, keeping what it returned.
private struct WorkService<T: Sendable>: Service {
    let work: @Sendable () async -> T
    let result = Outcome<T>()

    func run() async {
        await result.set(await work())
    }
}

/// What a `WorkService` returned, once it has.
private actor Outcome<T: Sendable> {
    private(set) var value: T?

    func set(_ value: T) {
        self.value = value
    }
}
