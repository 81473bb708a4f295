import Blocking
import Foundation
import TestSupport
import Testing

/// `stevedore schedule` and `backfill` as a user runs them: a stevedore.yml, the built binary, the
/// live services, and signals sent to the real process.
@Suite("schedule and backfill commands", .serialized, .timeLimit(.minutes(5)))
struct ScheduleCommandTests {
    /// A folder with a stevedore.yml whose jobs load into `schema`, a folder stage, and `jobs`.
    static func project(schema: String, grace: String = "1s", jobs: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schedule-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        let yaml = """
            stages:
              local: file://\(folder.path)/stage
            defaults:
              stage: local
            scheduler:
              concurrency: 2
              grace: \(grace)
            jobs:
            \(jobs.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
            """
        try yaml.write(to: folder.appendingPathComponent("stevedore.yml"), atomically: true, encoding: .utf8)
        return folder
    }

    /// `psql -tA` on the test database: one line per row, columns joined by `|`.
    static func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The built binary started in `folder`, its stdout and stderr read as they come.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var out = ""
        private var err = ""

        init(_ arguments: [String], in folder: URL) throws {
            process.executableURL = CLI.binary
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.environment = CLI.environment
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            stdout.fileHandleForReading.readabilityHandler = { [self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                lock.lock()
                out += text
                lock.unlock()
            }
            stderr.fileHandleForReading.readabilityHandler = { [self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                lock.lock()
                err += text
                lock.unlock()
            }
            try process.run()
        }

        var stdout: String {
            lock.lock()
            defer { lock.unlock() }
            return out
        }
        var stderr: String {
            lock.lock()
            defer { lock.unlock() }
            return err
        }

        /// Waits until stdout (or stderr) contains `text`; false after `timeout` seconds.
        func waitFor(_ text: String, inStderr: Bool = false, timeout: TimeInterval = 60) async throws -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if (inStderr ? stderr : stdout).contains(text) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }

        /// Waits for the exit; the seconds it took, or nil after `timeout`.
        func waitForExit(timeout: TimeInterval) async throws -> TimeInterval? {
            let start = Date()
            while process.isRunning {
                if Date().timeIntervalSince(start) > timeout { return nil }
                try await Task.sleep(for: .milliseconds(20))
            }
            return Date().timeIntervalSince(start)
        }
    }

    /// Whether `file` exists, polling every 20 ms while `run` runs, for up to `seconds` (a command
    /// source creates it to say it has reached a point).
    static func waitForFile(_ file: URL, of run: Running, seconds: TimeInterval) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: file.path) && Date() < deadline && run.process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        return FileManager.default.fileExists(atPath: file.path)
    }

    /// Starts `schedule run` on a one-partition job (2026-01-01) whose rows come from `command`,
    /// sends SIGTERM once the load has started (and, with `ready`, once the command has created that
    /// file in the project folder), and waits for the exit: the project folder, the process, and how
    /// long the exit took (nil after `timeout`).
    static func terminateDuringLoad(
        job: String, schema: String, grace: String, timeout: TimeInterval,
        command: String, ready: String? = nil
    ) async throws
        -> (folder: URL, run: Running, took: TimeInterval?)
    {
        let folder = try project(
            schema: schema, grace: grace,
            jobs: """
                \(job):
                  table: \(schema).\(job)
                  partitions: {daily: 2026-01-01, end: 2026-01-02, column: day}
                  source:
                    command: "\(command)"
                """)
        let run = try Running(["schedule", "run"], in: folder)
        #expect(try await run.waitFor("\(job) 2026-01-01: loading"))
        if let ready {
            let created = try await waitForFile(folder.appendingPathComponent(ready), of: run, seconds: 15)
            #expect(created, "the command never created \(ready)")
        }
        kill(run.process.processIdentifier, SIGTERM)
        return (folder, run, try await run.waitForExit(timeout: timeout))
    }

    @Test("schedule run --once loads what is due; status shows it; backfill reloads a range; list shows the next run")
    func onceStatusBackfill() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let folder = try Self.project(
            schema: schema,
            jobs: """
                sales:
                  table: \(schema).sales
                  partitions:
                    - daily: 2026-01-01
                      end: 2026-01-04
                      column: day
                  schedule: "30 2 * * *"
                  timezone: Europe/Amsterdam
                  source:
                    file: data/{date}.csv
                  retry: {attempts: 1}
                """)
        for day in ["2026-01-01", "2026-01-03"] {
            try "day,n\n\(day),1\n\(day),2\n".write(
                to: folder.appendingPathComponent("data/\(day).csv"), atomically: true, encoding: .utf8)
        }
        let run = try Running(["schedule", "run", "--once"], in: folder)
        #expect(try await run.waitForExit(timeout: 120) != nil)
        #expect(run.process.terminationStatus == 1, "a partition failed: exit 1")
        #expect(run.stdout.contains("sales 2026-01-01: loaded 2 rows"))
        #expect(
            run.stdout.contains(
                "sales 2026-01-02: FAILED after 1 attempt(s): job sales partition 2026-01-02: no file data/2026-01-02.csv"
            ))

        let status = try Running(["schedule", "status", "sales"], in: folder)
        _ = try await status.waitForExit(timeout: 60)
        #expect(
            status.stdout.contains("sales → \(schema).sales: 2 loaded, 1 failed"), "\(status.stdout)\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        #expect(
            lines.dropFirst(2).map { "\($0[0]) \($0[1])" } == [
                "2026-01-01 loaded", "2026-01-02 failed", "2026-01-03 loaded",
            ])

        try "day,n\n2026-01-02,7\n".write(
            to: folder.appendingPathComponent("data/2026-01-02.csv"), atomically: true, encoding: .utf8)
        let backfill = try Running(
            ["backfill", "sales", "--from", "2026-01-02", "--to", "2026-01-03", "--parallel", "2"], in: folder)
        #expect(try await backfill.waitForExit(timeout: 120) != nil)
        #expect(backfill.process.terminationStatus == 0, "\(backfill.stderr)")
        #expect(backfill.stdout.contains("backfill sales: 2 of 2 partition(s) loaded, 3 rows"))
        #expect(
            try Self.psql("SELECT day || ':' || n FROM \(schema).sales ORDER BY day, n")
                == "2026-01-01:1\n2026-01-01:2\n2026-01-02:7\n2026-01-03:1\n2026-01-03:2")

        let list = try Running(["schedule", "list", "--json"], in: folder)
        _ = try await list.waitForExit(timeout: 60)
        #expect(list.stdout.contains("\"job\":\"sales\""))
        #expect(list.stdout.contains("\"schedule\":\"30 2 * * * (Europe/Amsterdam)\""))
        _ = try Self.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("two service processes started together on 20 due partitions load each exactly once")
    func twoProcesses() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let folder = try Self.project(
            schema: schema,
            jobs: """
                shared:
                  table: \(schema).shared
                  partitions: {daily: 2026-01-01, end: 2026-01-21, column: day}
                  source:
                    command: "sleep 0.3; printf 'day,n\\\\n{date},1\\\\n'"
                """)
        let first = try Running(["schedule", "run", "--once", "--concurrency", "3"], in: folder)
        let second = try Running(["schedule", "run", "--once", "--concurrency", "3"], in: folder)
        let firstTook = try await first.waitForExit(timeout: 120)
        let secondTook = try await second.waitForExit(timeout: 120)
        #expect(firstTook != nil && secondTook != nil)
        #expect(
            first.process.terminationStatus == 0 && second.process.terminationStatus == 0,
            "\(first.stderr)\(second.stderr)")
        let loaded = (first.stdout + second.stdout).split(separator: "\n").filter { $0.hasSuffix(": loaded 1 rows") }
        #expect(loaded.count == 20)
        #expect(
            try Self.psql(
                "SELECT count(*) || ' ' || count(DISTINCT partition_key) FROM stevedore.load_history "
                    + "WHERE table_schema = '\(schema)'") == "20 20")
        #expect(
            try Self.psql(
                "SELECT count(*) || ' ' || count(DISTINCT partition_key) || ' ' || count(DISTINCT instance) "
                    + "FROM stevedore.load_attempts WHERE table_schema = '\(schema)' AND outcome = 'ok'") == "20 20 2")
        #expect(try Self.psql("SELECT count(*) FROM \(schema).shared") == "20")
        _ = try Self.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("SIGTERM during a load longer than the grace period: exits 0 in time, the partition untouched and due again")
    func sigtermRollsBack() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let (folder, run, took) = try await Self.terminateDuringLoad(
            job: "slow", schema: schema, grace: "1s", timeout: 15,
            command:
                "trap 'echo got SIGTERM > term.txt; exit 143' TERM; printf 'day,n\\\\n{date},1\\\\n'; touch ready; sleep 59.25 & wait",
            ready: "ready")
        #expect(took != nil && took! < 4, "exited after \(took.map { "\($0)" } ?? "more than 15") s; grace is 1 s")
        #expect(run.process.terminationStatus == 0, "\(run.stderr)")
        #expect(run.stdout.contains("slow 2026-01-01: stopped at shutdown, rolled back (due again)"))
        #expect(try Self.psql("SELECT to_regclass('\(schema).slow') IS NULL") == "t", "the table was not created")
        #expect(
            try Self.psql(
                "SELECT outcome FROM stevedore.load_attempts WHERE job = 'slow' AND table_schema = '\(schema)'")
                == "cancelled")
        #expect(try Self.psql("SELECT count(*) FROM stevedore.load_history WHERE table_schema = '\(schema)'") == "0")
        // The command got SIGTERM (not SIGKILL 5 s later), and nothing it started is left.
        #expect(
            (try? String(contentsOf: folder.appendingPathComponent("term.txt"), encoding: .utf8)) == "got SIGTERM\n")
        let leftover = Process()
        leftover.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        leftover.arguments = ["-f", "sleep 59.25"]
        leftover.standardOutput = FileHandle.nullDevice
        try leftover.run()
        leftover.waitUntilExit()
        #expect(leftover.terminationStatus == 1, "a 'sleep 59.25' is still running")
        let status = try Running(["schedule", "status", "slow"], in: folder)
        _ = try await status.waitForExit(timeout: 60)
        #expect(status.stdout.contains("2026-01-01  missing"), "\(status.stdout)")
    }

    @Test("SIGTERM during a load shorter than the grace period: the load finishes and commits, then exit 0")
    func sigtermLetsLoadFinish() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let (_, run, took) = try await Self.terminateDuringLoad(
            job: "short", schema: schema, grace: "30s", timeout: 30,
            command: "sleep 2; printf 'day,n\\\\n{date},1\\\\n{date},2\\\\n'")
        #expect(took != nil)
        #expect(run.process.terminationStatus == 0, "\(run.stderr)")
        #expect(run.stdout.contains("short 2026-01-01: loaded 2 rows"))
        #expect(try Self.psql("SELECT count(*) FROM \(schema).short") == "2")
        #expect(
            try Self.psql(
                "SELECT outcome FROM stevedore.load_attempts WHERE job = 'short' AND table_schema = '\(schema)'")
                == "ok")
        _ = try Self.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("SIGTERM while rows are copying: the partition is all there with one ledger row, or the table is as before")
    func sigtermIsAllOrNothing() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        // A row of another day that no load of 2026-01-01 may touch.
        _ = try Self.psql(
            "CREATE SCHEMA \(schema); CREATE TABLE \(schema).events (day date, n bigint); "
                + "INSERT INTO \(schema).events VALUES ('2025-12-31', 7)")
        // 40,000 rows; the marker file appears once the loader has read most of the first 20,000 (the
        // pipe holds 64 KiB), so the load's transaction is open when the signal comes.
        let rows = "seq %d %d | sed 's/^/{date},/'"
        let folder = try Self.project(
            schema: schema, grace: "1s",
            jobs: """
                events:
                  table: \(schema).events
                  partitions: {daily: 2026-01-01, end: 2026-01-02, column: day}
                  source:
                    command: "printf 'day,n\\\\n'; \(String(format: rows, 1, 20000)); touch copying; sleep 1; \(String(format: rows, 20001, 40000))"
                """)
        let run = try Running(["schedule", "run"], in: folder)
        let started = try await Self.waitForFile(folder.appendingPathComponent("copying"), of: run, seconds: 60)
        #expect(started, "the source never started: \(run.stdout)\(run.stderr)")
        kill(run.process.processIdentifier, SIGTERM)
        let took = try await run.waitForExit(timeout: 30)
        #expect(took != nil, "still running 30 s after SIGTERM")
        #expect(run.process.terminationStatus == 0, "\(run.stderr)")
        #expect(run.stderr.contains("stevedore: SIGTERM: no new work; loads in flight have 1s"), "\(run.stderr)")

        let day = try Self.psql(
            "SELECT count(*) || ' ' || count(DISTINCT n) FROM \(schema).events WHERE day = '2026-01-01'")
        let ledger = try Self.psql(
            "SELECT count(*) || ' ' || coalesce(sum(row_count), 0) FROM stevedore.load_history "
                + "WHERE table_schema = '\(schema)' AND table_name = 'events'")
        let attempt = try Self.psql("SELECT outcome FROM stevedore.load_attempts WHERE table_schema = '\(schema)'")
        if run.stdout.contains("events 2026-01-01: loaded 40000 rows") {
            #expect(day == "40000 40000")
            #expect(ledger == "1 40000")
            #expect(attempt == "ok")
        } else {
            #expect(
                run.stdout.contains("events 2026-01-01: stopped at shutdown, rolled back (due again)"), "\(run.stdout)")
            #expect(day == "0 0", "rows of a rolled-back load are visible")
            #expect(ledger == "0 0")
            #expect(attempt == "cancelled")
        }
        #expect(
            try Self.psql("SELECT day || ':' || n FROM \(schema).events WHERE day <> '2026-01-01'") == "2025-12-31:7")
        _ = try Self.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("the status page, in headless Chromium, shows each job's partition grid")
    func statusPageInBrowser() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let folder = try Self.project(
            schema: schema,
            jobs: """
                regions:
                  table: \(schema).regions
                  partitions:
                    - {daily: 2026-01-01, end: 2026-01-03, column: day}
                    - {name: region, values: [eu, us]}
                  source:
                    command: "test {region} = eu || exit 4; printf 'day,region\\\\n{date},{region}\\\\n'"
                  retry: {attempts: 1}
                """)
        let run = try Running(["schedule", "run", "--listen", "127.0.0.1:0"], in: folder)
        defer {
            kill(run.process.processIdentifier, SIGTERM)
            run.process.waitUntilExit()
            _ = try? Self.psql("DROP SCHEMA \(schema) CASCADE")
        }
        #expect(try await run.waitFor("status page at http://", inStderr: true))
        for partition in [
            "2026-01-01|eu: loaded", "2026-01-01|us: FAILED", "2026-01-02|eu: loaded", "2026-01-02|us: FAILED",
        ] {
            #expect(try await run.waitFor("regions \(partition)"), "\(run.stdout)")
        }
        let address = try #require(
            run.stderr.split(separator: "\n").first { $0.contains("status page at ") }?
                .components(separatedBy: "status page at ").last)
        let screenshot = folder.appendingPathComponent("status.png")
        let check = Process()
        check.executableURL = URL(
            fileURLWithPath: DocumentationTests.root.appendingPathComponent("scripts/check-status-page").path)
        check.arguments = ["--screenshot", screenshot.path, address]
        let out = Pipe()
        check.standardOutput = out
        check.standardError = out
        try check.run()
        let text = try await BlockingPool.shared.run {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            return text
        }
        #expect(check.terminationStatus == 0, "\(text)")
        #expect(text.contains("1 grid(s), 4 cell(s)"), "\(text)")
        #expect(text.contains("state-loaded 2") && text.contains("state-failed 2"), "\(text)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
    }
}

/// A job's table design is Redshift's: on PostgreSQL the service does not start.
@Suite("schedule: a table design on PostgreSQL", .timeLimit(.minutes(5)))
struct ScheduleTableDesignTests {
    @Test("a job with sort_key on a PostgreSQL warehouse is refused before anything runs, exit 64")
    func refusedOnPostgres() async throws {
        let folder = try ScheduleCommandTests.project(
            schema: "unused",
            jobs: """
                sales:
                  table: analytics.sales
                  partitions: {daily: 2026-01-01, column: sale_date}
                  source: {file: "data/{date}.csv"}
                  sort_key: [sale_date]
                """)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.run([
            "schedule", "list", "--config", folder.appendingPathComponent("stevedore.yml").path,
            "--warehouse", "postgres://127.0.0.1:1/none",
        ])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("job sales: distribution and sort keys"), "\(result.stderr)")
        #expect(result.stderr.contains("are Redshift's"), "\(result.stderr)")
    }
}

/// docs/scheduling.md's complete example is a configuration `stevedore` accepts.
@Suite("docs/scheduling.md example", .timeLimit(.minutes(5)))
struct SchedulingDocumentationTests {
    @Test("the stevedore.yml of docs/scheduling.md parses, and schedule list shows its four jobs")
    func exampleParses() async throws {
        let text = try String(
            contentsOf: DocumentationTests.root.appendingPathComponent("docs/scheduling.md"), encoding: .utf8)
        let yaml = try #require(
            text.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let file = try CLI.file("stevedore.yml", yaml)
        let result = try await CLI.run(["schedule", "list", "--json", "--config", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        for job in ["daily_sales", "clicks_hourly", "orders_by_region", "fx_rates"] {
            #expect(result.stdout.contains("\"job\":\"\(job)\""), "\(result.stdout)")
        }
        #expect(result.stdout.contains("\"partitions\":\"date (daily, UTC) × region (3 values)\""), "\(result.stdout)")
    }
}
