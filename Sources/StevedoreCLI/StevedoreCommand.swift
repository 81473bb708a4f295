import ArgumentParser
import Foundation
import Digest
import Stevedore

/// The `stevedore` command: loads frames and files into warehouses through a staged COPY.
@main
struct StevedoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stevedore",
        abstract: "Load files and frames into PostgreSQL and Redshift through a staged COPY.",
        discussion: """
            Exit codes: 0 success, 64 usage, 65 input (malformed file, rows outside the partition, \
            incompatible types), 69 warehouse, 74 stage.
            """,
        version: StevedoreVersion.current,
        subcommands: [LoadCommand.self, PlanCommand.self, UnloadCommand.self, StatusCommand.self, CheckCommand.self,
                      ScheduleCommand.self, BackfillCommand.self, GCCommand.self]
    )

    /// Sets up libcrypto before anything uses it (see `CryptoRuntime`) and the heap (`HeapSettings`),
    /// then runs the command.
    static func main() async {
        HeapSettings.apply()
        CryptoRuntime.prepare()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            // The argument parser's own complaints (a missing or unknown flag, a value not among
            // the choices) read like every other failure: one line, then a hint, exit 64.
            if !(error is ExitCode), exitCode(for: error) == .validationFailure {
                let message = message(for: error).replacingOccurrences(of: "\n", with: " ")
                FileHandle.standardError.write(Data(
                    "stevedore: \(message)\n  hint: `stevedore help <command>` lists a command's options\n".utf8))
                Foundation.exit(Failure.usage)
            }
            exit(withError: error)
        }
    }
}
