/// The statements of a warehouse's advisory locks: locks on names rather than on tables, each
/// name hashed to the lock's key.
public protocol AdvisoryLockSQL: Sendable {
    /// The lock on `name` until the transaction ends, shared with other shared holders or exclusive.
    func transactionLock(_ name: String, shared: Bool) -> SQLStatement
    /// Takes the lock on `name` for the session without waiting; one row, true when granted.
    func trySessionLock(_ name: String) -> SQLStatement
    /// Releases a lock `trySessionLock` took.
    func sessionUnlock(_ name: String) -> SQLStatement
}

extension AdvisoryLockSQL {
    /// The table-wide lock every load of `table` takes before its partition lock: shared by loads of
    /// one partition (so partitions load side by side), exclusive for whole-table loads (so a
    /// replace never interleaves with a partition's).
    public func tableLock(_ table: TableName, shared: Bool) -> SQLStatement {
        transactionLock("\(table)#table", shared: shared)
    }

    /// The lock a load takes before it changes the table's columns, after its partition lock.
    public func ddlLock(_ table: TableName) -> SQLStatement {
        transactionLock("\(table)#ddl", shared: false)
    }
}
