import ArgumentParser
import Foundation
import Stevedore

/// `stevedore check`: connects to the warehouse and probes the stage, explaining what fails.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Test the warehouse connection and the stage (write, read back, delete).")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Result: Encodable {
        var name: String
        var ok: Bool
        var detail: String
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let loader = try await target.loader(verbose: output.verbose)
            let results = await loader.check()
            if output.json {
                print(
                    ReportJSON.encode(["checks": results.map { Result(name: $0.name, ok: $0.ok, detail: $0.detail) }]))
            } else if !output.quiet {
                for result in results {
                    print("\(result.ok ? "ok  " : "FAIL") \(result.name): \(result.detail)")
                }
            }
            if let failed = results.first(where: { !$0.ok }) {
                throw ExitCode(failed.name == "stage" ? Failure.stage : Failure.warehouse)
            }
        }
    }
}
