/// The warehouses Stevedore speaks, and which one a URL names.
public enum WarehouseURL {
    /// Every dialect, the most specific URL form first; PostgreSQL, last, takes any URL or libpq
    /// `key=value` string.
    public static let dialects: [any Dialect] = [RedshiftDialect(), PostgresDialect()]

    /// The dialect `url` names and the connection string libpq takes for it.
    public static func parse(_ url: String) -> (dialect: any Dialect, connectionString: String) {
        for dialect in dialects {
            if let connectionString = dialect.connectionString(forURL: url) { return (dialect, connectionString) }
        }
        return (PostgresDialect(), url)
    }

    /// The temporary-credentials login `url` asks for (`redshift://…?iam=true`), nil for a login
    /// with the URL's own user and password; an `invalidRequest` error when its parameters are wrong.
    public static func iamLogin(_ url: String) throws -> RedshiftIAMLogin? {
        try RedshiftIAMLogin.parse(url)
    }

    /// Whether `url` is a Redshift Serverless workgroup's (its host, or an IAM login's `workgroup=`).
    public static func isRedshiftServerless(_ url: String) -> Bool {
        RedshiftDialect.isServerless(url)
    }
}
