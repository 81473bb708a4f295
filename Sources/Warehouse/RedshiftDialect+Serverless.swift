import Foundation

extension RedshiftDialect {
    /// Whether a warehouse URL or connection string is a Serverless workgroup's: its host is a
    /// `….redshift-serverless.amazonaws.com` endpoint, or it names a `workgroup=` for an IAM login.
    public static func isServerless(_ url: String) -> Bool {
        if RedshiftIAMLogin.queryNames(of: url).contains("workgroup") { return true }
        return URLComponents(string: url)?.host?.lowercased().split(separator: ".").contains("redshift-serverless")
            ?? false
    }
}
