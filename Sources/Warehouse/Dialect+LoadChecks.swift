/// The checks a load runs on its rows in a temporary table before they replace anything, and the
/// probe of `stevedore check`: the same SQL on every warehouse.
extension Dialect {
    /// One key that two rows of `staging` share (no row when there is none).
    public func duplicateKey(in staging: String, keys: [String]) -> SQLStatement {
        let keyList = keys.map(quoteIdentifier).joined(separator: ", ")
        return SQLStatement(
            "SELECT \(keyList) FROM \(quoteIdentifier(staging)) GROUP BY \(keyList) HAVING count(*) > 1 LIMIT 1")
    }

    /// How many rows of `staging` have a NULL in any of `keys`.
    public func nullKeyCount(in staging: String, keys: [String]) -> SQLStatement {
        SQLStatement(
            "SELECT count(*) FROM \(quoteIdentifier(staging)) WHERE "
                + keys.map { "\(quoteIdentifier($0)) IS NULL" }.joined(separator: " OR "))
    }

    /// How many rows of `staging` `condition` does not hold for (NULL counts as not holding).
    public func countOutside(_ staging: String, condition: SQLCondition) -> SQLStatement {
        SQLStatement(
            "SELECT count(*) FROM \(quoteIdentifier(staging)) WHERE NOT COALESCE((\(condition.sql)), false)",
            condition.parameters)
    }

    /// `BEGIN` and `COMMIT`, as `plan` lists them around a load's statements.
    public var transactionBounds: (begin: String, commit: String) { ("BEGIN", "COMMIT") }

    /// The server's version string.
    public var serverVersion: SQLStatement { SQLStatement("SELECT version()") }
}
