import Blocking
import Foundation
import Frames
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A command source's process: `/bin/sh -c COMMAND` in a process group of its own (so stopping it
/// stops the whole pipeline it started), stdout read by the load, stderr logged line by line with the
/// job and partition and its tail kept for the error when the command fails.
final class CommandProcess: Sendable {
    let command: String
    let job: String
    let partition: String
    private let process = Process()
    private let state = LockedBox((stderrTail: [UInt8](), started: false, stopped: false))
    private let stderrDone = DispatchSemaphore(value: 0)
    private let logger: Logger

    init(
        command: String, directory: String?, environment: [String: String], job: String, partition: String,
        logger: Logger
    ) {
        self.command = command
        self.job = job
        self.partition = partition
        self.logger = logger
        // Foundation starts the child as the leader of a new process group (pgid = pid).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    }

    private func error(_ message: String) -> SchedulerError {
        SchedulerError(code: .source, message: message, job: job, partition: partition)
    }

    /// Starts the command on the calling thread (a thread of the blocking pool) and returns its stdout.
    /// The child inherits the thread's signal mask, and threads made from the cooperative pool's
    /// block SIGTERM, so the thread unblocks every signal while it starts the child (the command
    /// can then be stopped politely) and restores its mask after.
    func start() throws -> any ByteSource {
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        // Under the lock, so that a `stop` either comes first (and nothing starts) or finds it started.
        try state.withLock { state in
            if state.stopped { throw CancellationError() }
            do {
                try process.run()
            } catch {
                throw self.error("cannot start the command '\(command)': \(error)")
            }
            state.started = true
        }
        let errors = stderr.fileHandleForReading
        let drained = BlockingPool.shared.submit { [self] in
            drain(errors)
            stderrDone.signal()
        }
        if !drained { stderrDone.signal() }
        return PipeByteSource(stdout.fileHandleForReading)
    }

    /// Logs stderr a line at a time and keeps its last 4 KiB.
    private func drain(_ handle: FileHandle) {
        var line: [UInt8] = []
        func emit() {
            guard !line.isEmpty else { return }
            logger.warning(
                "command stderr: \(String(decoding: line, as: UTF8.self))",
                metadata: ["job": "\(job)", "partition": "\(partition)"])
            line.removeAll()
        }
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            state.withLock { state in
                state.stderrTail.append(contentsOf: chunk)
                if state.stderrTail.count > 4096 { state.stderrTail.removeFirst(state.stderrTail.count - 4096) }
            }
            for byte in chunk {
                if byte == UInt8(ascii: "\n") { emit() } else if line.count < 4096 { line.append(byte) }
            }
        }
        emit()
    }

    /// Waits for the command to exit; throws, with its stderr, unless it exited 0.
    func waitForSuccess() throws {
        process.waitUntilExit()
        try checkStatus()
    }

    /// When the command has already exited unsuccessfully, that failure; otherwise nothing.
    func failureIfExited() throws {
        guard !process.isRunning else { return }
        try checkStatus()
    }

    private func checkStatus() throws {
        // stderr ends with the process, unless something it left running still holds it.
        _ = stderrDone.wait(timeout: .now() + 2)
        stderrDone.signal()
        let (tailBytes, wasStopped) = state.withLock { ($0.stderrTail, $0.stopped) }
        let tail = String(decoding: tailBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if wasStopped { throw CancellationError() }
        let status = process.terminationStatus
        guard process.terminationReason == .exit, status == 0 else {
            let how =
                process.terminationReason == .exit ? "exited with status \(status)" : "was killed by signal \(status)"
            throw error("the command '\(command)' \(how)" + (tail.isEmpty ? "" : "; stderr: \(tail)"))
        }
    }

    /// Stops the command and everything it started (even after the shell itself exited: a child
    /// left behind may hold stdout): SIGTERM to its process group, SIGKILL 5 s later.
    func stop() {
        let (first, running) = state.withLock { state in
            defer { state.stopped = true }
            return (!state.stopped, state.started)
        }
        guard first, running else { return }
        let group = -process.processIdentifier
        kill(group, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            // Only a group that still has members (kill with signal 0 checks without sending).
            if kill(group, 0) == 0 { kill(group, SIGKILL) }
        }
    }
}
