/// How Redshift's COPY and UNLOAD reach S3: an IAM role the cluster may assume, or access keys.
/// `description` names the role or the key id only: the secret and the session token never print.
public enum RedshiftAuthorization: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// A role ARN (several chained with commas), or `default` for the cluster's default role.
    case iamRole(String)
    /// Access keys, with the session token of temporary credentials.
    case accessKeys(id: String, secret: String, sessionToken: String?)

    /// The cluster's default IAM role (`IAM_ROLE default`).
    public static let defaultRole = RedshiftAuthorization.iamRole("default")

    /// The authorization clause: `IAM_ROLE '…'` (or `IAM_ROLE default`), or
    /// `ACCESS_KEY_ID '…' SECRET_ACCESS_KEY '…' [SESSION_TOKEN '…']`.
    public func clause() throws -> String {
        switch self {
        case .iamRole(let role):
            if role == "default" { return "IAM_ROLE default" }
            return "IAM_ROLE \(try RedshiftDialect.literal(role, option: "IAM_ROLE"))"
        case .accessKeys(let id, let secret, let sessionToken):
            var clause =
                "ACCESS_KEY_ID \(try RedshiftDialect.literal(id, option: "ACCESS_KEY_ID"))"
                + " SECRET_ACCESS_KEY \(try RedshiftDialect.literal(secret, option: "SECRET_ACCESS_KEY"))"
            if let sessionToken {
                clause += " SESSION_TOKEN \(try RedshiftDialect.literal(sessionToken, option: "SESSION_TOKEN"))"
            }
            return clause
        }
    }

    /// `IAM role …` or `access key …` with the secret and token left out.
    public var description: String {
        switch self {
        case .iamRole(let role):
            return "IAM role \(role)"
        case .accessKeys(let id, _, let sessionToken):
            return "access key \(id)" + (sessionToken == nil ? "" : " with a session token")
        }
    }

    /// The same as `description`, so `debugPrint` and string interpolation in logs stay safe.
    public var debugDescription: String { description }

    /// A mirror without the secret or token, so `dump` and reflection stay safe too.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
