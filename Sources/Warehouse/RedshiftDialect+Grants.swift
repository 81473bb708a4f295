extension RedshiftDialect {
    /// What an admin runs once for a loading `user`, on a cluster with no schemas of the loader's yet
    /// (docs/redshift.md, "The database user and its grants"); `existingSchemas` adds the grants for
    /// schemas someone else already created. Every name is quoted.
    public func loaderGrants(user: String, database: String, existingSchemas: [String] = []) -> [String] {
        // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html (PASSWORD DISABLE),
        // https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html
        [
            "CREATE USER \(quoteIdentifier(user)) PASSWORD DISABLE",
            "GRANT CREATE ON DATABASE \(quoteIdentifier(database)) TO \(quoteIdentifier(user))",
        ]
            + existingSchemas.map {
                "GRANT USAGE, CREATE ON SCHEMA \(quoteIdentifier($0)) TO \(quoteIdentifier(user))"
            }
    }
}
