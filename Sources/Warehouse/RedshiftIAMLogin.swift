import Foundation

/// What a `redshift://…?iam=true` URL asks for: temporary database credentials for a provisioned
/// cluster or a Serverless workgroup (docs/redshift.md, "The connection URL").
public struct RedshiftIAMLogin: Sendable, Hashable {
    /// Whose credentials: a provisioned cluster's or a Serverless workgroup's.
    public enum Target: Sendable, Hashable {
        case cluster(identifier: String)
        case workgroup(name: String)
    }

    public var target: Target
    /// The region of the Redshift API; nil: the AWS environment's.
    public var region: String?
    /// The database the credentials are for (the URL's path); nil: every database the policy allows.
    public var database: String?
    /// How long the password lasts, 900 to 3,600 seconds; nil: the API's default (900).
    public var durationSeconds: Int?
    /// Another endpoint for the API than AWS's (`iam_endpoint`), such as a local test fixture.
    public var endpoint: String?

    /// The query parameters this reads and removes from the URL libpq gets.
    public static let parameters: Set<String> = [
        "iam", "cluster_id", "workgroup", "region", "duration", "iam_endpoint",
    ]

    public init(
        target: Target, region: String? = nil, database: String? = nil, durationSeconds: Int? = nil,
        endpoint: String? = nil
    ) {
        self.target = target
        self.region = region
        self.database = database
        self.durationSeconds = durationSeconds
        self.endpoint = endpoint
    }

    /// The login a `redshift://` URL asks for: nil without `iam=true`; an `invalidRequest` error
    /// when it is asked for but the cluster or workgroup, or a parameter, is wrong.
    public static func parse(_ url: String) throws -> RedshiftIAMLogin? {
        guard url.hasPrefix("redshift://"), let components = URLComponents(string: url) else { return nil }
        var values: [String: String] = [:]
        for item in components.queryItems ?? [] where parameters.contains(item.name) {
            values[item.name] = item.value ?? ""
        }
        let others = values.keys.filter { $0 != "iam" }.sorted()
        guard let iam = values["iam"] else {
            if let stray = others.first { throw invalid("'\(stray)' applies only with iam=true") }
            return nil
        }
        guard ["true", "1", "yes"].contains(iam.lowercased()) else {
            guard ["false", "0", "no"].contains(iam.lowercased()) else {
                throw invalid("iam must be true or false, not '\(iam)'")
            }
            if let stray = others.first { throw invalid("'\(stray)' applies only with iam=true, not iam=\(iam)") }
            return nil
        }
        if components.user != nil || components.password != nil {
            throw invalid(
                "iam=true logs in as the IAM identity with a fetched password: remove the user and password "
                    + "from the URL")
        }
        let host = Endpoint(host: components.host ?? "")
        let target: Target
        switch (values["cluster_id"], values["workgroup"]) {
        case (let cluster?, nil): target = .cluster(identifier: cluster)
        case (nil, let workgroup?): target = .workgroup(name: workgroup)
        case (nil, nil):
            guard let derived = host.target else {
                throw invalid(
                    "iam=true needs the cluster or workgroup: use the endpoint's host name "
                        + "(<cluster>.<id>.<region>.redshift.amazonaws.com or "
                        + "<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com), "
                        + "or add cluster_id=… or workgroup=…")
            }
            target = derived
        default:
            throw invalid("cluster_id and workgroup name different logins: give one")
        }
        switch target {
        case .cluster(let identifier) where identifier.isEmpty || identifier.count > 63:
            throw invalid("cluster_id must be 1 to 63 characters")
        case .workgroup(let name) where name.count < 3 || name.count > 64:
            throw invalid("workgroup must be 3 to 64 characters")
        default: break
        }
        var duration: Int?
        if let text = values["duration"] {
            // https://docs.aws.amazon.com/redshift/latest/APIReference/API_GetClusterCredentialsWithIAM.html
            // and …/redshift-serverless/latest/APIReference/API_GetCredentials.html: 900 to 3600.
            guard let seconds = Int(text), (900...3600).contains(seconds) else {
                throw invalid("duration must be 900 to 3600 seconds, not '\(text)'")
            }
            duration = seconds
        }
        let region = values["region"].flatMap { $0.isEmpty ? nil : $0 } ?? host.region
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let endpoint = values["iam_endpoint"].flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint { try checkEndpoint(endpoint) }
        return RedshiftIAMLogin(
            target: target, region: region, database: path.isEmpty ? nil : path, durationSeconds: duration,
            endpoint: endpoint)
    }

    /// Refuses an `iam_endpoint` that is not an http(s) URL with a host, or is plain http to a host
    /// other than loopback: the request carries the session token, which must not travel in clear.
    static func checkEndpoint(_ endpoint: String) throws {
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw invalid("iam_endpoint '\(endpoint)' is not a URL such as https://host[:port]") }
        switch scheme {
        case "https": return
        case "http":
            let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
            guard loopback else {
                throw invalid(
                    "iam_endpoint '\(endpoint)' is plain http to another host: use https (the request carries "
                        + "the AWS session token)")
            }
        default:
            throw invalid("iam_endpoint '\(endpoint)' must be an https:// (or loopback http://) URL")
        }
    }

    /// `url` without the parameters this type reads (libpq refuses parameters it does not know): the
    /// same bytes when it has none of them, else its raw query split on `&` and those items dropped.
    public static func removingParameters(from url: String) -> String {
        guard let (mark, queryEnd, items) = rawQuery(of: url) else { return url }
        guard items.contains(where: { parameters.contains(name(of: $0)) }) else { return url }
        let kept = items.filter { !parameters.contains(name(of: $0)) }
        let query = kept.isEmpty ? "" : "?" + kept.joined(separator: "&")
        return String(url[..<mark]) + query + url[queryEnd...]
    }

    /// The names of `url`'s query items, percent-decoded.
    static func queryNames(of url: String) -> [String] {
        rawQuery(of: url)?.items.map(name(of:)) ?? []
    }

    /// Where `url`'s query starts (its `?`) and ends, and its raw items split on `&`.
    private static func rawQuery(of url: String) -> (mark: String.Index, end: String.Index, items: [Substring])? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        let end = url[mark...].firstIndex(of: "#") ?? url.endIndex
        return (mark, end, url[url.index(after: mark)..<end].split(separator: "&", omittingEmptySubsequences: false))
    }

    private static func name(of item: Substring) -> String {
        let raw = item.prefix { $0 != "=" }
        return raw.removingPercentEncoding ?? String(raw)
    }

    private static func invalid(_ message: String) -> WarehouseError {
        WarehouseError(code: .invalidRequest, message: "redshift:// URL: \(message)")
    }

    /// What a standard endpoint's host name says: the cluster or workgroup and the region
    /// (https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-connection-string.html).
    struct Endpoint {
        var target: Target?
        var region: String?

        init(host: String) {
            let labels = host.lowercased().split(separator: ".").map(String.init)
            guard labels.count == 6, labels[4] == "amazonaws", labels[5] == "com" else { return }
            switch labels[3] {
            case "redshift": target = .cluster(identifier: labels[0])
            case "redshift-serverless": target = .workgroup(name: labels[0])
            default: return
            }
            region = labels[2]
        }
    }
}
