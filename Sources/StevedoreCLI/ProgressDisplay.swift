import Foundation
import Stevedore

/// One status line on stderr, rewritten a few times a second while a load runs: phase, rows, MB,
/// MB/s, parts. Cleared when the load ends.
final class ProgressDisplay: @unchecked Sendable {
    enum When: String, CaseIterable { case auto, always, never }

    private let lock = NSLock()
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    /// A display when `when` asks for one: `auto` draws only on a terminal and without --quiet.
    static func make(_ when: When, quiet: Bool) -> ProgressDisplay? {
        switch when {
        case .never: return nil
        case .always: return ProgressDisplay()
        case .auto: return !quiet && isatty(STDERR_FILENO) == 1 ? ProgressDisplay() : nil
        }
    }

    func report(_ progress: LoadProgress) {
        lock.withLock {
            let now = ContinuousClock.now
            // A new phase always draws; within a phase, at most five times a second.
            if let lastDrawn, now - lastDrawn < .milliseconds(200), progress.phase == "encode+stage" { return }
            lastDrawn = now
            let elapsed = max(0.001, (now - started).seconds)
            let megabytes = Double(progress.bytes) / 1e6
            let line = String(format: "%@  %d rows  %.1f MB  %.1f MB/s  %d parts", progress.phase, progress.rows, megabytes,
                              megabytes / elapsed, progress.parts)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            drawn = true
        }
    }

    /// Clears the line, so what follows starts on a clean line.
    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
    }
}
