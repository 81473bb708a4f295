extension RedshiftDialect {
    /// What a loading user needs, for docs/redshift.md to show and a test to render: create the
    /// ledger's and the tables' schemas in `database`, and use and create tables in each of `schemas`
    /// (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html). Redshift's GRANT takes no bind
    /// parameters; every name is quoted.
    public func loaderGrants(user: String, database: String, schemas: [String]) -> [String] {
        ["GRANT CREATE ON DATABASE \(quoteIdentifier(database)) TO \(quoteIdentifier(user))"]
            + schemas.map { "GRANT USAGE, CREATE ON SCHEMA \(quoteIdentifier($0)) TO \(quoteIdentifier(user))" }
    }
}
