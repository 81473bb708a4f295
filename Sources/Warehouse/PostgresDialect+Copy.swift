extension PostgresDialect: ClientCopySQL {
    /// `COPY "s"."t" ("a", "b") FROM STDIN (FORMAT csv)`: with the explicit column list, columns the
    /// data lacks take NULL; an unquoted empty field is NULL and `""` the empty string. `binary`:
    /// `(FORMAT binary)`, rows in each column type's send format.
    public func copyFromStdin(_ table: TableName, columns: [String], binary: Bool = false) -> String {
        let list = columns.isEmpty ? "" : " (\(CommonSQL.columnList(columns)))"
        return "COPY \(table.quoted)\(list) FROM STDIN (FORMAT \(binary ? "binary" : "csv"))"
    }

    /// `COPY (query) TO STDOUT (FORMAT csv)` for loading back, `(FORMAT binary)` when `binary`;
    /// `query` is trusted SQL text with no bind parameters (COPY takes none), such as a `select`
    /// statement with its values read from session settings (`settingsForm`).
    public func copyToStdout(_ query: String, binary: Bool = false) -> String {
        "COPY (\(query)) TO STDOUT (FORMAT \(binary ? "binary" : "csv"))"
    }

    /// `COPY (statement) TO STDOUT WITH (FORMAT csv, HEADER true)`, its values written in as literals
    /// (`inlineParameters`): a partition's query on a source database.
    public func copyQueryWithHeader(_ statement: SQLStatement) throws -> String {
        "COPY (\(try inlineParameters(statement))) TO STDOUT WITH (FORMAT csv, HEADER true)"
    }

    /// `pg_class.relkind` of `table` (the name a bind parameter): no row when there is no such
    /// relation, or no such schema.
    public func relationKind(_ table: TableName) -> SQLStatement {
        SQLStatement("SELECT relkind FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)", [table.quoted])
    }

    /// The relations `LOCK TABLE` takes: tables, partitioned tables and views. Foreign tables (which
    /// no load rewrites) cannot be locked.
    public func readLocks(relationKind: String) -> Bool {
        ["r", "p", "v"].contains(relationKind)
    }

    /// `LOCK TABLE table IN ACCESS SHARE MODE`, which a read takes first in its transaction: it waits
    /// for a load's DDL to commit, so the statements after it read the columns and rows with a
    /// snapshot taken after that commit. A statement that waited for the lock itself would read with
    /// the snapshot it took before waiting, and a table rewritten by `ALTER COLUMN … TYPE` looks
    /// empty to such a snapshot. Only for the kinds of relation `readLocks(relationKind:)` allows.
    public func readLock(_ table: TableName) -> SQLStatement {
        SQLStatement("LOCK TABLE \(table.quoted) IN ACCESS SHARE MODE")
    }
}

extension PostgresDialect: AdvisoryLockSQL {
    /// `pg_advisory_xact_lock[_shared](hashtextextended($1, 0))`: the 64-bit hash that hash
    /// partitioning stores on disk, so it is stable across releases and platforms and every client
    /// agrees on it; 64 bits make two names sharing a lock unlikely. Released at COMMIT or ROLLBACK.
    public func transactionLock(_ name: String, shared: Bool) -> SQLStatement {
        SQLStatement("SELECT pg_advisory_xact_lock\(shared ? "_shared" : "")(hashtextextended($1, 0))", [name])
    }

    /// `pg_try_advisory_lock(hashtextextended($1, 0))`: `t` when granted. Held until
    /// `sessionUnlock` or the session's end (even if the process is killed).
    public func trySessionLock(_ name: String) -> SQLStatement {
        SQLStatement("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", [name])
    }

    /// `pg_advisory_unlock(hashtextextended($1, 0))`.
    public func sessionUnlock(_ name: String) -> SQLStatement {
        SQLStatement("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [name])
    }
}

extension PostgresDialect {
    /// `statement` with each `$n` replaced by its value as an escape-string literal `E'…'` (`NULL`
    /// for nil), for `COPY (query) TO STDOUT`, which takes no bind parameters. `E'…'` with `\` and
    /// `'` doubled means the same whatever `standard_conforming_strings` is set to.
    public func inlineParameters(_ statement: SQLStatement) throws -> String {
        try SQLPlaceholders.inline(statement) { value, placeholder in
            if value.utf8.contains(0) {
                throw WarehouseError(code: .invalidRequest, message: "\(placeholder) contains NUL")
            }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
            return "E'\(escaped)'"
        }
    }
}

extension PostgresDialect {
    /// `statement` rewritten for a context that takes no bind parameters (COPY TO) without putting
    /// its values into the SQL: the values are set as transaction-local settings by `settings` (a
    /// SELECT with bind parameters, to run first in the same transaction), and each `$n` reads
    /// `current_setting('stevedore.param_n')` as text, so cast placeholders to their types.
    public func settingsForm(_ statement: SQLStatement) -> (settings: SQLStatement, sql: String) {
        let sql = SQLPlaceholders.rewrite(statement.sql) { number in "current_setting('stevedore.param_\(number)')" }
        guard !statement.parameters.isEmpty else { return (SQLStatement("SELECT 1"), sql) }
        let calls = statement.parameters.indices.map { index in
            "set_config('stevedore.param_\(index + 1)', $\(index + 1), true)"
        }
        return (SQLStatement("SELECT " + calls.joined(separator: ", "), statement.parameters), sql)
    }
}
