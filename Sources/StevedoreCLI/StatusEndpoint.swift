import Foundation
import Logging
import Scheduler
import StatusServer

/// The HTTP endpoint of `schedule run --listen`: `/healthz`, `/metrics` and the status page,
/// answered from the running service.
enum StatusEndpoint {
    /// Starts serving at `address` (nil: not at all) and returns the serving task, once it listens.
    /// Prints the address on stderr (with the real port when `:0` was asked for).
    static func start(_ address: String?, service: ScheduleService, verbose: Bool) async throws -> Task<Void, Never>? {
        guard let address else { return nil }
        let (host, port): (String, UInt16)
        do {
            (host, port) = try StatusServer.parseAddress(address)
        } catch {
            throw Failure.usageError("--listen \(address): \(error)")
        }
        var logger = Logger(label: "stevedore.status")
        logger.logLevel = verbose ? .info : .warning
        let server = StatusServer(host: host, port: port, provider: ServiceStatus(service: service), logger: logger)
        let task = Task {
            do {
                try await server.run()
            } catch {
                logger.error("the status server stopped: \(error)")
            }
        }
        do {
            let bound = try await server.waitUntilListening()
            let shown = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardError.write(Data("stevedore: status page at http://\(shown):\(bound)/\n".utf8))
        } catch {
            task.cancel()
            throw Failure.usageError("--listen \(address): \(error)")
        }
        return task
    }
}

/// The running service as the status server sees it.
struct ServiceStatus: StatusProvider {
    let service: ScheduleService
    /// The page shows at most this many time windows per job.
    var windows = 48

    func isHealthy() async -> Bool {
        await !service.isStopping
    }

    func metricsText() async -> String {
        service.metrics.prometheusText()
    }

    func jobStatuses() async throws -> [JobStatus] {
        var statuses: [JobStatus] = []
        for scheduled in service.jobs {
            statuses.append(try await service.status(of: scheduled.job.name, windows: windows))
        }
        return statuses
    }
}
