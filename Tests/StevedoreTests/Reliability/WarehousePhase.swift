import Foundation
import Warehouse

@testable import Stevedore

/// A phase of a load's transaction at which the warehouse fault suite terminates the load's backend,
/// how the test makes the load stop there, and how a watcher recognizes it in `pg_stat_activity`.
enum WarehousePhase: String, CaseIterable, Sendable {
    case lockWait = "lock wait"
    case ddl = "DDL"
    case delete = "DELETE"
    case copy = "COPY"
    case ledger = "ledger"
    case commit = "COMMIT"

    /// The statement a second session runs, inside its own open transaction, to hold the load at
    /// this phase (nil: the phase is caught as it runs, or by the progress hook for COMMIT).
    func blocker(table: TableRef, ledger: LoadLedger) -> SQLStatement? {
        switch self {
        case .lockWait:
            // What a whole-table load of the same table holds: the load waits for its shared lock.
            return PostgresDialect().tableLock(table.tableName, shared: false)
        case .ddl:
            // ACCESS SHARE, which only ALTER TABLE's ACCESS EXCLUSIVE conflicts with.
            return SQLStatement("SELECT count(*) FROM \(table.quoted)")
        case .delete:
            // A row of the partition locked, so its DELETE waits.
            return SQLStatement("SELECT 1 FROM \(table.quoted) WHERE day = DATE '2024-01-01' LIMIT 1 FOR UPDATE")
        case .ledger:
            // SHARE: conflicts with the ledger INSERT's ROW EXCLUSIVE only.
            return SQLStatement("LOCK TABLE \(ledger.table.quoted) IN SHARE MODE")
        case .copy, .commit:
            return nil
        }
    }

    /// The `pg_stat_activity` condition that says the load's backend is at this phase.
    var activityCondition: String {
        switch self {
        case .lockWait: "wait_event_type = 'Lock' AND wait_event = 'advisory'"
        case .ddl: "query ILIKE 'ALTER TABLE%' AND wait_event_type = 'Lock'"
        case .delete: "query ILIKE 'DELETE%' AND wait_event_type = 'Lock'"
        case .copy: "query ILIKE 'COPY%' AND state = 'active'"
        case .ledger: "query ILIKE 'INSERT INTO%load_history%' AND wait_event_type = 'Lock'"
        case .commit: "state = 'idle in transaction'"
        }
    }

    /// Terminates the backend of `application` when it is at this phase; waits for it to end.
    /// Returns whether a backend was terminated.
    func terminateSQL() -> String {
        "SELECT coalesce(bool_or(pg_terminate_backend(pid, 5000)), false) FROM pg_stat_activity "
            + "WHERE application_name = $1 AND \(activityCondition)"
    }
}
