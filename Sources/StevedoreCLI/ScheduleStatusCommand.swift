import ArgumentParser
import Foundation
import Scheduler
import Stevedore

/// `stevedore schedule status JOB`: each complete partition as loaded, missing or failed.
struct ScheduleStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each partition of a job as loaded, missing or failed, with rows and load time.")

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

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try await SchedulerSetup(target: target, verbose: output.verbose)
            let service = try setup.service(concurrency: nil, events: nil, verbose: output.verbose)
            let status = try await service.status(of: job, windows: limit)
            await setup.close()
            let entries = status.partitions.map {
                Entry(
                    partition: $0.key.description, state: $0.state.rawValue, rows: $0.rows, loadedAt: $0.loadedAt,
                    lastError: $0.lastError)
            }
            if output.json {
                print(
                    ReportJSON.encode([
                        "job": AnyEncodable(status.job), "table": AnyEncodable(status.table),
                        "partitions": AnyEncodable(entries),
                    ]))
                return
            }
            let counts = PartitionStatus.State.allCases.compactMap { state -> String? in
                let count = status.partitions.filter { $0.state == state }.count
                return count == 0 ? nil : "\(count) \(state.rawValue)"
            }
            print(
                "\(status.job) → \(status.table): "
                    + (counts.isEmpty ? "no complete partitions yet" : counts.joined(separator: ", ")))
            TextTable.print(
                header: ["partition", "state", "rows", "loaded at", "last error"],
                rows: entries.map {
                    [
                        $0.partition, $0.state, $0.rows.map(String.init) ?? "-", $0.loadedAt ?? "-",
                        $0.lastError.map { String($0.prefix(120)) } ?? "",
                    ]
                })
        }
    }
}
