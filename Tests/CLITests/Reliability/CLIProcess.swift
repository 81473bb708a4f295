import Blocking
import Foundation
import TestSupport

/// A `stevedore` process started in the background, its output going to files, so that many can
/// run at once and one can be killed at any moment.
final class CLIProcess {
    let process = Process()
    private let stdoutFile: URL
    private let stderrFile: URL

    init(_ arguments: [String], environment overrides: [String: String] = [:]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        stdoutFile = folder.appendingPathComponent("stdout")
        stderrFile = folder.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: stdoutFile.path, contents: nil),
            FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = CLI.environment.merging(overrides) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stdoutFile.deletingLastPathComponent())
    }

    /// SIGKILL, as a crash or an OOM killer would; true when the process was still running.
    @discardableResult
    func killNow() -> Bool {
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    /// Waits for the process to exit (on the blocking pool); its status and output.
    func finish() async throws -> CLI.Result {
        let process = process
        try await BlockingPool.shared.run { process.waitUntilExit() }
        let stdout = try Data(contentsOf: stdoutFile)
        let stderr = try Data(contentsOf: stderrFile)
        return CLI.Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), stdoutBytes: Array(stdout))
    }
}
