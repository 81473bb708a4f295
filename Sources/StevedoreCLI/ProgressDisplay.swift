import Blocking
import Foundation
import Stevedore

/// One status line on stderr, rewritten a few times a second while a load runs: phase, rows, MB,
/// MB/s, parts. Cleared when the load ends.
final class ProgressDisplay: Sendable {
    enum When: String, CaseIterable { case auto, always, never }

    private let started = ContinuousClock.now
    /// When the line was last drawn, and whether it is on screen.
    private let line = LockedBox((lastDrawn: ContinuousClock.Instant?.none, drawn: false))

    /// A display when `when` asks for one: `auto` draws only on a terminal and without --quiet.
    static func make(_ when: When, quiet: Bool) -> ProgressDisplay? {
        switch when {
        case .never: return nil
        case .always: return ProgressDisplay()
        case .auto: return !quiet && isatty(STDERR_FILENO) == 1 ? ProgressDisplay() : nil
        }
    }

    func report(_ progress: LoadProgress) {
        line.withLock { line in
            let now = ContinuousClock.now
            // A new phase always draws; within a phase, at most five times a second.
            if let lastDrawn = line.lastDrawn, now - lastDrawn < .milliseconds(200), progress.phase == "encode+stage" {
                return
            }
            line.lastDrawn = now
            let elapsed = max(0.001, (now - started).seconds)
            let megabytes = Double(progress.bytes) / 1e6
            let text = String(
                format: "%@  %d rows  %.1f MB  %.1f MB/s  %d parts", progress.phase, progress.rows, megabytes,
                megabytes / elapsed, progress.parts)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            line.drawn = true
        }
    }

    /// Clears the line, so what follows starts on a clean line.
    func finish() {
        line.withLock { line in
            if line.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            line.drawn = false
        }
    }
}
