extension Connection {
    /// Runs `statements` (the idempotent DDL of `table`) in one transaction unless `table` exists.
    /// Concurrent first callers are serialized on PostgreSQL by an advisory lock on `lockName`;
    /// Redshift has no advisory locks (and its `LOCK` needs the table), so there the DDL's own
    /// `IF NOT EXISTS` has to do.
    public func createIfMissing(
        _ table: TableName, dialect: any Dialect, lockName: String, statements: [String],
        isolation: isolated (any Actor)? = #isolation
    ) async throws {
        let check = dialect.tableColumns(table)
        if try await !execute(check.sql, check.parameters).rows.isEmpty { return }
        try await transaction { connection in
            if let locks = dialect.advisoryLocks {
                let lock = locks.transactionLock(lockName, shared: false)
                try await connection.execute(lock.sql, lock.parameters)
            }
            for statement in statements {
                try await connection.execute(statement)
            }
        }
    }
}
