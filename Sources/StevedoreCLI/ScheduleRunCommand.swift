import ArgumentParser
import Foundation
import Scheduler
import ServiceLifecycle
import Stevedore

/// `stevedore schedule run`: the long-running service (or one pass with `--once`).
struct ScheduleRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load due and missing partitions now, then at each job's schedule, until stopped.",
        discussion: """
            SIGTERM or SIGINT: no new partition starts; loads in flight get --grace to finish, then \
            roll back (their partitions stay due). Exits 0 once stopped. With --once: exits 0 when \
            every due partition loaded, 1 when some failed.
            """)

    @Flag(help: "Run what is due now, then exit.")
    var once = false

    @Option(
        help: ArgumentHelp(
            "Partitions loaded at once over all jobs (default: the file's scheduler.concurrency, else 2).",
            valueName: "n"))
    var concurrency: Int?

    @Option(
        help: ArgumentHelp(
            "After SIGTERM, how long loads in flight may take before they are rolled back (default: the file's scheduler.grace, else 30s).",
            valueName: "duration"))
    var grace: String?

    @Option(
        help: ArgumentHelp(
            "Serve /healthz, /metrics and the status page at this address (default: the file's scheduler.listen).",
            valueName: "host:port"))
    var listen: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        try Validation.check { _ = try grace.map { try Durations.parse($0, flag: "--grace") } }
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try await SchedulerSetup(target: target, verbose: output.verbose)
            let printer = EventPrinter(json: output.json, quiet: output.quiet)
            let service = try setup.service(
                concurrency: concurrency, events: { printer.print($0) }, verbose: output.verbose)
            let graceSeconds =
                try grace.map { try Durations.parse($0, flag: "--grace") } ?? setup.file.scheduler.grace ?? 30
            if once {
                let outcomes = try await SignalledServiceGroup.run(grace: graceSeconds) { await service.runOnce() }
                await setup.close()
                if outcomes.contains(where: { $0.result == .failed }) { throw ExitCode(1) }
                return
            }
            let endpoint = try (listen ?? setup.file.scheduler.listen).map {
                try StatusEndpoint($0, service: service, verbose: output.verbose)
            }
            // The endpoint serves until the scheduler has stopped: the group shuts services down last to first.
            var services: [any Service] = []
            if let endpoint { services.append(endpoint) }
            services.append(SchedulerRun(service: service, endpoint: endpoint))
            do {
                try await SignalledServiceGroup.run(services, grace: graceSeconds)
            } catch {
                await setup.close()
                throw error
            }
            await setup.close()
            if !output.quiet && !output.json { print("stopped") }
        }
    }
}
