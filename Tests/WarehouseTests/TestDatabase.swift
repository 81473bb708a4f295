import Foundation
import TestSupport
import Testing

@testable import Warehouse

/// The test PostgreSQL server, found the way `scripts/services env` points at it (libpq's `PG*`
/// variables). A missing variable fails the test with instructions; it never skips silently.
enum TestDatabase {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func connect() async throws -> Connection {
        try TestServices.require("PGHOST", "PGPORT")
        return try await Connection.connect("")
    }

    /// Waits until the session of `pid` runs a statement containing `fragment` (polling
    /// pg_stat_activity from a session of its own every 10 ms, up to 10 s); false if it never does.
    static func waitUntilRunning(pid: Int32, _ fragment: String) async throws -> Bool {
        let watcher = try await connect()
        return try await withCleanUp({ await watcher.close() }) {
            for _ in 0..<1_000 {
                let active = try await watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND strpos(query, $2) > 0",
                    [String(pid), fragment]
                ).scalar
                if active == "1" { return true }
                try await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    /// A fresh table name, unique per test run, so tests may run in parallel.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// `host=… port=… dbname=…` for the test server, to build connection strings for other roles.
    static var serverConninfo: String {
        "host=\(environment["PGHOST"] ?? "") port=\(environment["PGPORT"] ?? "") dbname=\(environment["PGDATABASE"] ?? "")"
    }
}
