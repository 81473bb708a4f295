import ArgumentParser
import Foundation
import Scheduler
import Stevedore

/// `stevedore schedule list`: each job, its table, partitions, schedule and next run.
struct ScheduleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show the jobs and when each runs next.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var job, table, partitions, schedule, source: String
        var nextRun: String?
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try await SchedulerSetup(target: target, verbose: output.verbose)
            let now = Date()
            let time = ISO8601DateFormatter()
            let entries = setup.jobs.map { scheduled in
                let job = scheduled.job
                return Entry(
                    job: job.name, table: job.table.description,
                    partitions: job.partitions.dimensions.map { Self.describe($0) }.joined(separator: " × "),
                    schedule: job.schedule?.description ?? "as windows complete",
                    source: job.source.summary, nextRun: job.nextRun(after: now).map(time.string(from:)))
            }
            if output.json {
                print(ReportJSON.encode(["jobs": entries]))
                return
            }
            TextTable.print(
                header: ["job", "table", "partitions", "schedule", "next run", "source"],
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
