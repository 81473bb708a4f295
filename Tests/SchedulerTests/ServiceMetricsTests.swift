import Testing
import Warehouse

@testable import Scheduler
@testable import Stevedore

/// The service's counters as `/metrics` serves them.
@Suite("service metrics")
struct ServiceMetricsTests {
    @Test("serializable isolation conflicts a load retried are counted by job, whatever the attempt's outcome")
    func conflictRetries() {
        let metrics = ServiceMetrics()
        var report = LoadReport(
            loadID: LoadID(rawValue: "x"), table: TableRef(schema: "a", table: "b"), partition: nil, mode: .replace,
            rows: 3, uncompressedBytes: 30, compressedBytes: 20, parts: 1, stagePrefix: "s3://b/p/", skipped: false,
            phases: [])
        report.conflictRetries = 2
        metrics.recordAttempt(job: "daily", outcome: .ok, report: report)
        report.conflictRetries = 1
        metrics.recordAttempt(job: "daily", outcome: .ok, report: report)
        metrics.recordAttempt(job: "hourly", outcome: .failed, report: nil)
        let text = metrics.prometheusText()
        #expect(text.contains("# TYPE stevedore_conflict_retries_total counter\n"))
        #expect(text.contains("stevedore_conflict_retries_total{job=\"daily\"} 3\n"), "\(text)")
        #expect(!text.contains("stevedore_conflict_retries_total{job=\"hourly\"}"))
    }
}
