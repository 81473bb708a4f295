import ArgumentParser
import Dispatch
import Foundation
import Scheduler
import Stevedore

/// `stevedore schedule`: the scheduler service and what it knows of its jobs.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run the jobs of stevedore.yml on their schedules, and show them.",
        subcommands: [ScheduleRunCommand.self, ScheduleListCommand.self, ScheduleStatusCommand.self])
}

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

    @Option(help: ArgumentHelp("Partitions loaded at once over all jobs (default: the file's scheduler.concurrency, else 2).",
                               valueName: "n"))
    var concurrency: Int?

    @Option(help: ArgumentHelp("After SIGTERM, how long loads in flight may take before they are rolled back (default: the file's scheduler.grace, else 30s).",
                               valueName: "duration"))
    var grace: String?

    @Option(help: ArgumentHelp("Serve /healthz, /metrics and the status page at this address (default: the file's scheduler.listen).",
                               valueName: "host:port"))
    var listen: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try SchedulerSetup(target: target, verbose: output.verbose)
            let printer = EventPrinter(json: output.json, quiet: output.quiet)
            let service = try setup.service(concurrency: concurrency, events: { printer.print($0) }, verbose: output.verbose)
            let graceSeconds = try grace.map { try Durations.parse($0, flag: "--grace") } ?? setup.file.scheduler.grace ?? 30
            if once {
                let outcomes = await service.runOnce()
                await setup.close()
                if outcomes.contains(where: { $0.result == .failed }) { throw ExitCode(1) }
                return
            }
            let runner = Task { await service.run() }
            let signals = ShutdownSignals { signal in
                FileHandle.standardError.write(Data("stevedore: \(signal): no new work; loads in flight have \(Int(graceSeconds))s\n".utf8))
                Task {
                    await service.shutdown()
                    try? await Task.sleep(for: .seconds(graceSeconds))
                    runner.cancel()
                }
            }
            let status = try await StatusEndpoint.start(listen ?? setup.file.scheduler.listen, service: service,
                                                  verbose: output.verbose)
            await runner.value
            status?.cancel()
            signals.cancel()
            await setup.close()
            if !output.quiet && !output.json { print("stopped") }
        }
    }
}

/// Calls `handler` once on the first SIGTERM or SIGINT (the default action of both is replaced).
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (String) -> Void) {
        let queue = DispatchQueue(label: "stevedore.signals")
        let fired = Flag()
        sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if fired.set() { handler(name) }
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }

    /// True the first time only.
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        func set() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if done { return false }
            done = true
            return true
        }
    }
}

enum Durations {
    /// `90`, `90s`, `15m`, `2h`.
    static func parse(_ text: String, flag: String) throws -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let number = Double(text), number >= 0 { return number }
        if let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number >= 0 {
            return number * factor
        }
        throw Failure.usageError("\(flag) \(text): expected a duration such as 30s, 5m or 1h")
    }
}

/// `stevedore schedule list`: each job, its table, partitions, schedule and next run.
struct ScheduleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the jobs and when each runs next.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var job, table, partitions, schedule, source: String
        var nextRun: String?
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try SchedulerSetup(target: target, verbose: output.verbose)
            let now = Date()
            let time = ISO8601DateFormatter()
            let entries = setup.jobs.map { scheduled in
                let job = scheduled.job
                return Entry(job: job.name, table: job.table.description,
                             partitions: job.partitions.dimensions.map { Self.describe($0) }.joined(separator: " × "),
                             schedule: job.schedule?.description ?? "as windows complete",
                             source: job.source.summary, nextRun: job.nextRun(after: now).map(time.string(from:)))
            }
            if output.json {
                print(ReportJSON.encode(["jobs": entries]))
                return
            }
            Table.print(header: ["job", "table", "partitions", "schedule", "next run", "source"],
                        rows: entries.map { [$0.job, $0.table, $0.partitions, $0.schedule, $0.nextRun ?? "-", $0.source] })
        }
    }

    static func describe(_ dimension: PartitionDefinition.Dimension) -> String {
        switch dimension.keys {
        case .time(let windows, _):
            return "\(dimension.name) (\(windows.cadence.rawValue), \(windows.timeZone.configurationName))"
        case .values(let values): return "\(dimension.name) (\(values.count) values)"
        }
    }
}

/// `stevedore schedule status JOB`: each complete partition as loaded, missing or failed.
struct ScheduleStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each partition of a job as loaded, missing or failed, with rows and load time.")

    @Argument(help: "The job's name.")
    var job: String

    @Option(help: ArgumentHelp("Only the newest n time windows (default: all).", valueName: "n"))
    var limit: Int?

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var partition, state: String
        var rows: Int?
        var loadedAt, lastError: String?
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try SchedulerSetup(target: target, verbose: output.verbose)
            let service = try setup.service(concurrency: nil, events: nil, verbose: output.verbose)
            let status = try await service.status(of: job, windows: limit)
            await setup.close()
            let entries = status.partitions.map {
                Entry(partition: $0.key.description, state: $0.state.rawValue, rows: $0.rows, loadedAt: $0.loadedAt,
                      lastError: $0.lastError)
            }
            if output.json {
                print(ReportJSON.encode(["job": AnyEncodable(status.job), "table": AnyEncodable(status.table),
                                         "partitions": AnyEncodable(entries)]))
                return
            }
            let counts = PartitionStatus.State.allCases.compactMap { state -> String? in
                let count = status.partitions.filter { $0.state == state }.count
                return count == 0 ? nil : "\(count) \(state.rawValue)"
            }
            print("\(status.job) → \(status.table): " + (counts.isEmpty ? "no complete partitions yet" : counts.joined(separator: ", ")))
            Table.print(header: ["partition", "state", "rows", "loaded at", "last error"],
                        rows: entries.map { [$0.partition, $0.state, $0.rows.map(String.init) ?? "-", $0.loadedAt ?? "-",
                                             $0.lastError.map { String($0.prefix(120)) } ?? ""] })
        }
    }
}

/// Any encodable value, for mixed JSON objects.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Columns padded to their widest cell.
enum Table {
    static func print(header: [String], rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for line in [header] + rows {
            Swift.print(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}
