import Blocking
import Foundation
import Stevedore

/// The service's counters and gauges, served as Prometheus text on `/metrics`: attempts by job and
/// outcome, rows and bytes loaded, time spent per load phase, due and running partitions.
public final class ServiceMetrics: Sendable {
    private let counters = LockedBox(Counters())
    public let startedAt: Date

    public init(startedAt: Date = Date()) {
        self.startedAt = startedAt
    }

    func recordAttempt(job: String, outcome: AttemptLog.Outcome, report: LoadReport?) {
        counters.withLock { $0.recordAttempt(job: job, outcome: outcome, report: report) }
    }

    func setDue(job: String, count: Int, at instant: Date) {
        counters.withLock { $0.setDue(job: job, count: count, at: instant) }
    }

    func started() { counters.withLock { $0.running += 1 } }
    func finished() { counters.withLock { $0.running -= 1 } }

    /// Attempts so far of `job` that ended with `outcome`.
    public func attempts(job: String, outcome: AttemptLog.Outcome) -> Int {
        counters.withLock { $0.attempts[Counters.Pair(job: job, outcome: outcome.rawValue)] ?? 0 }
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func prometheusText() -> String {
        counters.withLock { $0 }.prometheusText()
    }
}

/// The numbers behind `ServiceMetrics`, changed under its lock.
private struct Counters {
    var attempts: [Pair: Int] = [:]
    var rows: [String: Int] = [:]
    var bytes: [String: Int] = [:]
    var phaseSeconds: [String: Double] = [:]
    var phaseCounts: [String: Int] = [:]
    var conflictRetries: [String: Int] = [:]
    var due: [String: Int] = [:]
    var running = 0
    var lastTick: Date?

    struct Pair: Hashable {
        var job: String
        var outcome: String
    }

    mutating func recordAttempt(job: String, outcome: AttemptLog.Outcome, report: LoadReport?) {
        do {
            attempts[Pair(job: job, outcome: outcome.rawValue), default: 0] += 1
            if let report { conflictRetries[job, default: 0] += report.conflictRetries }
            guard let report, outcome == .ok else { return }
            rows[job, default: 0] += report.rows
            bytes[job, default: 0] += report.compressedBytes
            for phase in report.phases {
                phaseSeconds[phase.name, default: 0] += phase.seconds
                phaseCounts[phase.name, default: 0] += 1
            }
        }
    }

    mutating func setDue(job: String, count: Int, at instant: Date) {
        due[job] = count
        lastTick = instant
    }

    /// The Prometheus text exposition (format 0.0.4).
    func prometheusText() -> String {
        do {
            var out = ""
            func family(_ name: String, _ type: String, _ help: String) {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            }
            func label(_ value: String) -> String {
                value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
            }
            family("stevedore_attempts_total", "counter", "Partition load attempts by job and outcome.")
            for (pair, count) in attempts.sorted(by: { ($0.key.job, $0.key.outcome) < ($1.key.job, $1.key.outcome) }) {
                out += "stevedore_attempts_total{job=\"\(label(pair.job))\",outcome=\"\(pair.outcome)\"} \(count)\n"
            }
            family("stevedore_loads_total", "counter", "Partitions loaded (committed) by job.")
            for (pair, count) in attempts.sorted(by: { $0.key.job < $1.key.job }) where pair.outcome == "ok" {
                out += "stevedore_loads_total{job=\"\(label(pair.job))\"} \(count)\n"
            }
            family("stevedore_failures_total", "counter", "Failed partition load attempts by job.")
            for (pair, count) in attempts.sorted(by: { $0.key.job < $1.key.job }) where pair.outcome == "failed" {
                out += "stevedore_failures_total{job=\"\(label(pair.job))\"} \(count)\n"
            }
            family("stevedore_rows_total", "counter", "Rows loaded by job.")
            for (job, count) in rows.sorted(by: { $0.key < $1.key }) {
                out += "stevedore_rows_total{job=\"\(label(job))\"} \(count)\n"
            }
            family("stevedore_bytes_total", "counter", "Compressed bytes staged and loaded by job.")
            for (job, count) in bytes.sorted(by: { $0.key < $1.key }) {
                out += "stevedore_bytes_total{job=\"\(label(job))\"} \(count)\n"
            }
            family(
                "stevedore_conflict_retries_total", "counter",
                "Load transactions run again after a serializable isolation conflict (Redshift ERROR 1023), by job.")
            for (job, count) in conflictRetries.sorted(by: { $0.key < $1.key }) {
                out += "stevedore_conflict_retries_total{job=\"\(label(job))\"} \(count)\n"
            }
            family("stevedore_phase_seconds", "summary", "Time spent in each load phase.")
            for (phase, seconds) in phaseSeconds.sorted(by: { $0.key < $1.key }) {
                out += "stevedore_phase_seconds_sum{phase=\"\(label(phase))\"} \(seconds)\n"
                out += "stevedore_phase_seconds_count{phase=\"\(label(phase))\"} \(phaseCounts[phase] ?? 0)\n"
            }
            family(
                "stevedore_due_partitions", "gauge", "Partitions due (complete, not loaded) at the last look, by job.")
            for (job, count) in due.sorted(by: { $0.key < $1.key }) {
                out += "stevedore_due_partitions{job=\"\(label(job))\"} \(count)\n"
            }
            family("stevedore_running_loads", "gauge", "Partition loads in flight.")
            out += "stevedore_running_loads \(running)\n"
            if let lastTick {
                family(
                    "stevedore_last_check_timestamp_seconds", "gauge",
                    "When the service last looked for due partitions.")
                out += "stevedore_last_check_timestamp_seconds \(Int(lastTick.timeIntervalSince1970))\n"
            }
            return out
        }
    }
}
