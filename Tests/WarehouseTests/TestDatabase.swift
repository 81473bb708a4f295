import Foundation
import Testing
import TestSupport
@testable import Warehouse

/// The test PostgreSQL server, found the way `scripts/services env` points at it (libpq's `PG*`
/// variables). A missing variable fails the test with instructions; it never skips silently.
enum TestDatabase {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func connect() async throws -> Connection {
        try TestServices.require("PGHOST", "PGPORT")
        return try await Connection.connect("")
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
