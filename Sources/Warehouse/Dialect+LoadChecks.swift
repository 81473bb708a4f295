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

    /// One row of `staging` whose text `keys` end in a blank, which `=` would match with other keys
    /// where `ignoresTrailingBlanks` (`LENGTH` counts the blanks, `RTRIM` removes them); no row when none does.
    public func trailingBlankKey(in staging: String, keys: [String]) -> SQLStatement {
        let list = keys.map(quoteIdentifier).joined(separator: ", ")
        let tests = keys.map { "LENGTH(\(quoteIdentifier($0))) <> LENGTH(RTRIM(\(quoteIdentifier($0))))" }
        return SQLStatement(
            "SELECT \(list) FROM \(quoteIdentifier(staging)) WHERE \(tests.joined(separator: " OR ")) LIMIT 1")
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
