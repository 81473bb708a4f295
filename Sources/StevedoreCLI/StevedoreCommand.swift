import ArgumentParser
import Digest
import Foundation
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
        subcommands: [
            LoadCommand.self, PlanCommand.self, UnloadCommand.self, StatusCommand.self, CheckCommand.self,
            ScheduleCommand.self, BackfillCommand.self, GCCommand.self,
        ]
    )

    /// Sets up libcrypto before anything uses it (see `CryptoRuntime`) and the heap (`HeapSettings`),
    /// then runs the command. argument-parser prints its own errors (a missing or unknown flag, a
    /// value or combination `validate()` refuses) with the command's usage, exit 64.
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
            exit(withError: error)
        }
    }
}
