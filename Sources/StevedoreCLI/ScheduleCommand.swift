import ArgumentParser
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
