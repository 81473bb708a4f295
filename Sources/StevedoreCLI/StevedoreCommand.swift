import ArgumentParser
import Scheduler
import Stevedore

/// The `stevedore` command: loads frames and files into warehouses through a staged COPY.
@main
struct StevedoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stevedore",
        abstract: "Load files and frames into PostgreSQL and Redshift through a staged COPY.",
        version: StevedoreVersion.current
    )
}
