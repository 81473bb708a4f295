import Foundation
import Scheduler

/// Prints the service's events: a line per partition outcome and per failed attempt on stdout,
/// or a JSON object per line with `--json`.
struct EventPrinter: Sendable {
    let json: Bool
    let quiet: Bool

    struct Line: Encodable {
        var event: String
        var job: String
        var partition: String?
        var partitions: [String]?
        var attempt: Int?
        var rows: Int?
        var error: String?
        var retryAt: String?
    }

    func print(_ event: ServiceEvent) {
        let time = ISO8601DateFormatter()
        let line: Line
        let text: String?
        switch event {
        case .due(let job, let keys):
            line = Line(event: "due", job: job, partitions: keys.map(\.description))
            text = "\(job): \(keys.count) partition(s) due: \(keys.map(\.description).joined(separator: ", "))"
        case .attemptStarted(let job, let key, let attempt):
            line = Line(event: "started", job: job, partition: key.description, attempt: attempt)
            text = "\(job) \(key): loading" + (attempt > 1 ? " (attempt \(attempt))" : "")
        case .attemptFailed(let job, let key, let attempt, let error, let retryAt):
            line = Line(
                event: "attempt_failed", job: job, partition: key.description, attempt: attempt, error: error,
                retryAt: retryAt.map(time.string(from:)))
            text =
                "\(job) \(key): attempt \(attempt) failed: \(error)"
                + (retryAt.map { "; retrying at \(time.string(from: $0))" } ?? "")
        case .finished(let outcome):
            line = Line(
                event: outcome.result.rawValue, job: outcome.job, partition: outcome.key.description,
                attempt: outcome.attempts, rows: outcome.rows, error: outcome.error)
            switch outcome.result {
            case .loaded: text = "\(outcome.job) \(outcome.key): loaded \(outcome.rows ?? 0) rows"
            case .skipped: text = "\(outcome.job) \(outcome.key): unchanged, skipped"
            case .failed:
                text =
                    "\(outcome.job) \(outcome.key): FAILED after \(outcome.attempts) attempt(s): \(outcome.error ?? "")"
            case .cancelled: text = "\(outcome.job) \(outcome.key): stopped at shutdown, rolled back (due again)"
            case .loadedElsewhere: text = nil
            }
        }
        // Unbuffered, so a supervisor or a pipe sees each line as it happens.
        if json {
            FileHandle.standardOutput.write(Data((ReportJSON.encode(line) + "\n").utf8))
        } else if let text, !quiet {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }
}
