import ArgumentParser
import Foundation
import Stevedore

extension ProgressDisplay.When: ExpressibleByArgument {}

/// `stevedore load`: files, globs, object globs or stdin into one table, through the stage, in one transaction.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load CSV or JSON Lines files into a table, in one transaction.",
        discussion:
            "Example: stevedore load sales-2024-01-02.csv --table analytics.sales --partition sale_date=2024-01-02")

    @OptionGroup var load: LoadArguments

    @Flag(name: .customLong("keep-stage"), help: "Keep the staged parts after the load.")
    var keepStage = false

    @Flag(name: .customLong("skip-unchanged"), help: "Copy nothing when the content equals the partition's last load.")
    var skipUnchanged = false

    @Flag(name: .customLong("dry-run"), help: "Print the plan (as `stevedore plan`) and change nothing.")
    var dryRun = false

    @Option(help: "Show progress on stderr: auto (on a terminal, unless --quiet), always or never.")
    var progress: ProgressDisplay.When = .auto

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let spec = try load.partitionSpec()
            let pinned = try load.pinnedTypes()
            let writeMode = try load.writeMode(for: spec)
            let tableRef = try load.tableRef()
            let design = try load.tableDesign()
            let display = dryRun ? nil : ProgressDisplay.make(progress, quiet: output.quiet)
            defer { display?.finish() }
            let tuned = try await target.loader(verbose: output.verbose) { options in
                options.pinnedTypes = pinned
                options.keepStage = keepStage
                options.skipUnchanged = skipUnchanged
                options.tableDesign = design
                if let display { options.progress = { display.report($0) } }
            }
            let loader = try await load.sizingParts(tuned, caBundle: target.caBundle)
            if dryRun {
                let plan = try await loader.plan(
                    try await load.source(caBundle: target.caBundle), into: tableRef, partition: spec, mode: writeMode)
                print(output.json ? ReportJSON.plan(plan) : PlanCommand.text(plan))
                return
            }
            let report = try await loader.store(
                try await load.source(caBundle: target.caBundle), into: tableRef, partition: spec, mode: writeMode)
            display?.finish()
            if output.json {
                print(ReportJSON.load(report))
            } else if !output.quiet {
                print(report)
            }
        }
    }
}
