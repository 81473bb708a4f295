import ArgumentParser
import Foundation
import Stevedore

/// `stevedore plan`: what a load would do (schema, table changes, exact SQL), changing nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the schema, the table changes and the SQL a load would run; change nothing.")

    @OptionGroup var load: LoadArguments
    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let spec = try load.partitionSpec()
            let pinned = try load.pinnedTypes()
            let design = try load.tableDesign()
            let loader = try await target.loader(verbose: output.verbose) {
                $0.pinnedTypes = pinned
                $0.tableDesign = design
            }
            let plan = try await loader.plan(
                try await load.source(caBundle: target.caBundle), into: try load.tableRef(), partition: spec,
                mode: try load.writeMode(for: spec))
            print(output.json ? ReportJSON.plan(plan) : Self.text(plan))
        }
    }

    static func text(_ plan: LoadPlan) -> String {
        var lines = [
            "\(plan.rows) rows for \(plan.table)\(plan.partition.map { " partition \($0.label)" } ?? "") (\(plan.mode))",
            "columns:",
        ]
        let width = plan.columns.map(\.name.count).max() ?? 0
        lines += plan.columns.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.type)" }
        if !plan.notes.isEmpty {
            lines.append("notes:")
            lines += plan.notes.map { "  \($0)" }
        }
        lines.append("statements:")
        lines += plan.statements.map { "  \($0);" }
        return lines.joined(separator: "\n")
    }
}
