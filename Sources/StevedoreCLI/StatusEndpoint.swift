import Foundation
import Logging
import Scheduler
import ServiceLifecycle
import StatusServer

/// The HTTP endpoint of `schedule run --listen` as a service of the group: `/healthz`, `/metrics`
/// and the status page, answered from the running scheduler until graceful shutdown.
struct StatusEndpoint: Service {
    let address: String
    let server: StatusServer

    /// The endpoint for `address` (host:port); a usage error when it is not one.
    init(_ address: String, service: ScheduleService, verbose: Bool) throws {
        let (host, port): (String, UInt16)
        do {
            (host, port) = try StatusServer.parseAddress(address)
        } catch {
            throw Failure.usageError("--listen \(address): \(error)")
        }
        var logger = Logger(label: "stevedore.status")
        logger.logLevel = verbose ? .info : .warning
        self.address = address
        server = StatusServer(host: host, port: port, provider: ServiceStatus(service: service), logger: logger)
    }

    /// Serves until graceful shutdown or cancellation; a usage error naming `--listen` when the
    /// port cannot be bound.
    func run() async throws {
        let server = self.server
        do {
            try await cancelWhenGracefulShutdown { try await server.run() }
        } catch let error as StatusServerError {
            throw Failure.usageError("--listen \(address): \(error)")
        }
    }

    /// Waits until the server listens, then prints its address on stderr (with the real port when
    /// `:0` was asked for). A usage error naming `--listen` when it cannot.
    func waitUntilListening() async throws {
        let bound: UInt16
        do {
            bound = try await server.waitUntilListening()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Failure.usageError("--listen \(address): \(error)")
        }
        let shown = server.host.contains(":") ? "[\(server.host)]" : server.host
        FileHandle.standardError.write(Data("stevedore: status page at http://\(shown):\(bound)/\n".utf8))
    }
}

/// `schedule run`'s scheduler as a service of the group: it starts loading once the status
/// endpoint (if any) listens, so a port that cannot be bound stops the command before any load.
struct SchedulerRun: Service {
    let service: ScheduleService
    let endpoint: StatusEndpoint?

    func run() async throws {
        try await endpoint?.waitUntilListening()
        await service.run()
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
