import ArgumentParser
import Foundation
import Scheduler
import Stevedore

/// `stevedore backfill JOB --from KEY --to KEY`: loads a range of partitions now.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Load a range of a job's partitions now, loaded before or not.",
        discussion: """
            Example: stevedore backfill daily_sales --from 2026-01-01 --to 2026-01-31 --parallel 4. \
            A bound is a whole key (2026-01-02|eu) or the first dimension's value (every key of that \
            day). Exits 0 when every partition loaded, 1 when some failed.
            """)

    @Argument(help: "The job's name.")
    var job: String

    @Option(help: ArgumentHelp("The first partition key.", valueName: "key"))
    var from: String

    @Option(help: ArgumentHelp("The last partition key (inclusive).", valueName: "key"))
    var to: String

    @Option(help: ArgumentHelp("Partitions loaded at once.", valueName: "n"))
    var parallel = 1

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let setup = try await SchedulerSetup(target: target, verbose: output.verbose)
            let printer = EventPrinter(json: output.json, quiet: output.quiet)
            let service = try setup.service(
                concurrency: parallel, events: { printer.print($0) }, verbose: output.verbose)
            let scheduled = try await service.job(named: job)
            let keys = try scheduled.job.keys(from: from, to: to, asOf: Date())
            let job = self.job
            let parallel = self.parallel
            // SIGTERM or SIGINT: no new partition starts; the loads in flight finish within the file's
            // scheduler.grace (30 s by default), then roll back; a second signal rolls them back at once.
            let outcomes = try await SignalledServiceGroup.run(grace: setup.file.scheduler.grace ?? 30) {
                (try? await service.backfill(job: job, keys: keys, parallel: parallel)) ?? []
            }
            await setup.close()
            let failed = outcomes.filter { $0.result == .failed }.count
            if !output.json && !output.quiet {
                let loaded = outcomes.filter { $0.result == .loaded || $0.result == .skipped }
                print(
                    "backfill \(job): \(loaded.count) of \(keys.count) partition(s) loaded, "
                        + "\(loaded.compactMap(\.rows).reduce(0, +)) rows" + (failed > 0 ? ", \(failed) failed" : ""))
            }
            if failed > 0 || outcomes.count < keys.count { throw ExitCode(1) }
        }
    }
}
