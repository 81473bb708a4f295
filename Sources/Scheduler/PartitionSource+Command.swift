import Foundation
import Frames
import Stevedore

extension PartitionSource {
    /// A command's stdout. The process starts on the blocking pool (with no signal blocked, so
    /// the command can be stopped with SIGTERM); its exit status is checked at the end of stdout.
    func openCommand(_ command: String, format: SourceFormat, directory: String?) -> LoadSource {
        let process = CommandProcess(
            command: command, directory: directory,
            environment: processEnvironment.merging(placeholders.environment(job: job.name)) { $1 },
            job: job.name, partition: key.description, logger: logger)
        let name = "command \(command)"
        return LoadSource.reading(
            open: {
                let stdout = try process.start()
                let next: () throws -> TextBatch?
                do {
                    next = try Self.reader(format, bytes: stdout, name: name)
                } catch {
                    // No usable header. A command that printed nothing at all has closed its stdout:
                    // its exit status, once it comes, says whether it failed. Otherwise a command that
                    // has already failed says why; one still writing is stopped (nothing reads its
                    // output any more), and the header is the error.
                    if (error as? FrameError)?.kind == .emptyInput {
                        try process.waitForSuccess()
                    }
                    try process.failureIfExited()
                    process.stop()
                    throw error
                }
                return {
                    // At the end of stdout, the exit status decides: a failed command fails the load.
                    if let batch = try next() { return batch }
                    try process.waitForSuccess()
                    return nil
                }
            }, interrupt: { process.stop() }, cleanup: { process.stop() })
    }
}
