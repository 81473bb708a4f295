import Foundation
import ServiceLifecycleTestKit
import Stevedore
import TestSupport
import Testing
import Warehouse

@testable import Scheduler

/// The service against the live PostgreSQL server and real sources, on a clock the test moves.
@Suite("Schedule service", .serialized, .timeLimit(.minutes(5)))
struct ScheduleServiceTests {
    /// A CSV of `rows` rows for `day`: day,n.
    static func dayCSV(_ day: String, rows: Int = 3) -> String {
        "day,n\n" + (1...rows).map { "\(day),\($0)\n" }.joined()
    }

    @Test("a daily job started three days late catches up exactly the three missing days, in order")
    func catchUp() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            for day in 1...9 {
                let date = String(format: "2026-01-%02d", day)
                try fixture.write("sales/\(date).csv", Self.dayCSV(date, rows: day))
            }
            let job = Job(
                name: "sales", table: fixture.table("sales"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .files(pattern: fixture.folder.path + "/sales/{date}.csv", format: .bySuffix))
            let clock = TestClock(SchedulerFixture.instant("2026-01-06T00:30:00Z"))
            let service = try fixture.service([job], clock: clock)

            let first = await service.runOnce()
            #expect(
                first.map(\.key.description) == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"])
            #expect(first.allSatisfy { $0.result == .loaded })

            // Down for three days: the 6th, 7th and 8th are complete and missing; the 9th is not complete.
            clock.set(SchedulerFixture.instant("2026-01-09T00:30:00Z"))
            let second = await service.runOnce()
            #expect(second.map(\.key.description) == ["2026-01-06", "2026-01-07", "2026-01-08"])
            #expect(second.map(\.rows) == [6, 7, 8])
            let attempts = try await fixture.attempts("sales")
            #expect(attempts.suffix(3).map { $0[0] } == ["2026-01-06", "2026-01-07", "2026-01-08"])
            #expect(attempts.allSatisfy { $0[2] == "ok" && $0[1] == "1" })
            let loaded = try await fixture.rows(
                "SELECT day::text, count(*)::text FROM \(job.table.quoted) GROUP BY day ORDER BY day")
            #expect(loaded.map { $0[1] } == ["1", "2", "3", "4", "5", "6", "7", "8"])

            // Nothing is due again until the 9th completes.
            #expect(await service.runOnce().isEmpty)
            let status = try await service.status(of: "sales")
            #expect(status.partitions.map(\.state) == Array(repeating: .loaded, count: 8))
            #expect(status.partitions.last?.rows == 8)
        }
    }

    @Test("the catch-up limit looks back over the newest windows only; older ones are left to backfill")
    func catchUpLimit() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "limited", table: fixture.table("limited"),
                partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .files(pattern: fixture.folder.path + "/{date}.csv", format: .bySuffix), catchUp: 2)
            let scheduled = ScheduledJob(job: job, loader: fixture.loader, warehouse: fixture.warehouse())
            let due = try await scheduled.dueKeys(asOf: SchedulerFixture.instant("2026-03-01T12:00:00Z"))
            #expect(due.map(\.description) == ["2026-02-27", "2026-02-28"])
            #expect(
                try job.keys(
                    from: "2026-01-30", to: "2026-02-02", asOf: SchedulerFixture.instant("2026-03-01T12:00:00Z")
                )
                .map(\.description) == ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"])
            #expect(throws: SchedulerError.self) {
                try job.keys(
                    from: "2026-03-05", to: "2026-03-06", asOf: SchedulerFixture.instant("2026-03-01T12:00:00Z"))
            }
        }
    }

    @Test("a failing source is retried with backoff, recorded as failed, and the next partitions still run")
    func retries() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let command = """
                if [ "$STEVEDORE_DATE" = 2026-01-02 ]; then echo "upstream is not ready for {date}" >&2; exit 3; fi
                printf 'day,n\\n{date},1\\n{date},2\\n'
                """
            let job = Job(
                name: "flaky", table: fixture.table("flaky"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command(command, format: .csv(.init()), workingDirectory: nil),
                retry: RetryBackoff(attempts: 3, initialDelay: 10, maxDelay: 15))
            let clock = TestClock(SchedulerFixture.instant("2026-01-04T00:30:00Z"))
            let service = try fixture.service([job], clock: clock)
            let outcomes = await service.runOnce()

            #expect(outcomes.map(\.result) == [.loaded, .failed, .loaded])
            #expect(outcomes[1].attempts == 3)
            #expect(clock.waits == [10, 15])  // 10 s, then 20 s capped at 15 s
            let attempts = try await fixture.attempts("flaky")
            #expect(
                attempts.map { "\($0[0]!) \($0[1]!) \($0[2]!)" } == [
                    "2026-01-01 1 ok", "2026-01-02 1 failed", "2026-01-02 2 failed", "2026-01-02 3 failed",
                    "2026-01-03 1 ok",
                ])
            let error = try #require(attempts[1][3])
            #expect(error.contains("exited with status 3"))
            #expect(error.contains("upstream is not ready for 2026-01-02"))
            #expect(error.contains("flaky"))
            // The failed day left the table without its rows; the others loaded.
            let days = try await fixture.rows("SELECT DISTINCT day::text FROM \(job.table.quoted) ORDER BY 1").map {
                $0[0]
            }
            #expect(days == ["2026-01-01", "2026-01-03"])
            let status = try await service.status(of: "flaky")
            #expect(status.partitions.map(\.state) == [.loaded, .failed, .loaded])
            #expect(status.partitions[1].lastError?.contains("exited with status 3") == true)
            #expect(service.metrics.prometheusText().contains("stevedore_failures_total{job=\"flaky\"} 3"))
        }
    }

    @Test("malformed input is not retried: one failed attempt naming the file and line")
    func inputErrorsAreNotRetried() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let path = try fixture.write("bad/2026-01-01.csv", "day,n\n2026-01-01,1\n2026-01-01,\"open\n")
            let job = Job(
                name: "bad", table: fixture.table("bad"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .files(pattern: fixture.folder.path + "/bad/{date}.csv", format: .bySuffix),
                retry: RetryBackoff(attempts: 3, initialDelay: 10))
            let clock = TestClock(SchedulerFixture.instant("2026-01-02T00:30:00Z"))
            let outcomes = await (try fixture.service([job], clock: clock)).runOnce()
            #expect(outcomes.map(\.result) == [.failed])
            #expect(outcomes.first?.attempts == 1)
            #expect(clock.waits.isEmpty)
            #expect(outcomes.first?.error?.contains(path) == true)
        }
    }

    @Test("shutdown ends a retry's backoff at once: no new attempt, the partition cancelled and due again")
    func shutdownDuringBackoff() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "waiting", table: fixture.table("waiting"),
                partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command("exit 7", format: .csv(.init()), workingDirectory: nil),
                retry: RetryBackoff(attempts: 3, initialDelay: 3600))
            // The real clock: the backoff would last an hour.
            let service = try ScheduleService(
                jobs: [ScheduledJob(job: job, loader: fixture.loader, warehouse: fixture.warehouse())],
                clock: SystemClock(),
                options: ScheduleService.Options())
            let started = ContinuousClock.now
            let outcomes = try await testGracefulShutdown { trigger in
                async let run = service.backfill(job: "waiting", keys: [.init(values: ["2026-01-01"])], parallel: 1)
                // The attempts table is made just before the first attempt's row: the backoff is near.
                while try await fixture.rows("SELECT to_regclass($1)::text", ["\(fixture.schema).load_attempts"]) == [
                    [nil]
                ] {
                    try await Task.sleep(for: .milliseconds(50))
                }
                trigger.triggerGracefulShutdown()
                return try await run
            }
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(outcomes.map(\.result) == [.cancelled])
            #expect(await service.isStopping)
            #expect(try await fixture.attempts("waiting").map { $0[2] } == ["failed"])
        }
    }

    @Test("two instances with 20 due partitions load each exactly once")
    func twoInstances() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            // A little work per partition so the two instances overlap.
            let job = Job(
                name: "shared", table: fixture.table("shared"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command(
                    "sleep 0.2; printf 'day,n\\n{date},1\\n'", format: .csv(.init()), workingDirectory: nil))
            let now = SchedulerFixture.instant("2026-01-21T01:00:00Z")
            let one = try fixture.service([job], clock: TestClock(now), concurrency: 3) { $0.instance = "one" }
            let two = try fixture.service([job], clock: TestClock(now), concurrency: 3) { $0.instance = "two" }
            async let first = one.runOnce()
            async let second = two.runOnce()
            let outcomes = await first + second

            #expect(outcomes.filter { $0.result == .loaded }.count == 20)
            #expect(outcomes.filter { $0.result == .loadedElsewhere }.count == 20)
            let ledger = try await fixture.ledgerRows(job.table)
            #expect(ledger.count == 20)
            #expect(Set(ledger.map { $0[0] }).count == 20)
            let attempts = try await fixture.attempts("shared")
            #expect(attempts.count == 20)
            #expect(Set(attempts.map { $0[0] }).count == 20)
            #expect(attempts.allSatisfy { $0[2] == "ok" })
            let instances = try await fixture.rows(
                "SELECT instance, count(*)::text FROM \(quoteIdentifier(fixture.schema)).load_attempts GROUP BY 1 ORDER BY 1"
            )
            #expect(instances.count == 2, "both instances loaded some: \(instances)")
        }
    }

    @Test("run() catches up at start, then wakes at each scheduled time until shut down")
    func serviceLoop() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let job = Job(
                name: "loop", table: fixture.table("loop"), partitions: SchedulerFixture.daily(from: "2026-01-01"),
                source: .command("printf 'day,n\\n{date},1\\n'", format: .csv(.init()), workingDirectory: nil),
                schedule: try CronSchedule("0 1 * * *"))
            let clock = TestClock(SchedulerFixture.instant("2026-01-03T00:30:00Z"))
            let service = try fixture.service([job], clock: clock)
            clock.sleepsAllowed = 3
            await service.run()
            // Start: the 1st and 2nd; 01:00 on the 3rd: nothing new; 01:00 on the 4th: the 3rd; 01:00 on the 5th: the 4th.
            #expect(clock.waits == [1800, 86400, 86400, 86400])
            #expect(await service.nextRun(of: "loop") == SchedulerFixture.instant("2026-01-06T01:00:00Z"))
            let ledger = try await fixture.ledgerRows(job.table)
            #expect(
                ledger.map { $0[0] } == ["date=2026-01-01", "date=2026-01-02", "date=2026-01-03", "date=2026-01-04"])
        }
    }

    @Test("an hourly job across the fall-back in Europe/Amsterdam loads both 02:00 hours under their own keys")
    func hourlyAcrossDST() async throws {
        let fixture = try SchedulerFixture()
        try await withCleanUp({ await fixture.cleanUp() }) {
            let hours = TimeWindowPartitions(
                cadence: .hourly, start: SchedulerFixture.instant("2026-10-24T23:00:00Z"),
                timeZone: TimeZone(identifier: "Europe/Amsterdam")!)
            let job = Job(
                name: "hourly", table: fixture.table("hourly"),
                partitions: PartitionDefinition([
                    .init(name: "hour", column: "at", keys: .time(hours, columnIsDate: false))
                ]),
                source: .command("printf 'at,n\\n{hour_start},1\\n'", format: .csv(.init()), workingDirectory: nil))
            let clock = TestClock(SchedulerFixture.instant("2026-10-25T03:00:00Z"))
            let outcomes = await (try fixture.service([job], clock: clock)).runOnce()
            #expect(
                outcomes.map(\.key.description) == [
                    "2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00",
                    "2026-10-25T03:00+01:00",
                ])
            #expect(outcomes.allSatisfy { $0.result == .loaded })
            let rows = try await fixture.rows(
                "SELECT to_char(at AT TIME ZONE 'UTC', 'HH24:MI') FROM \(job.table.quoted) ORDER BY at")
            #expect(rows.map { $0[0] } == ["23:00", "00:00", "01:00", "02:00"])
        }
    }
}
