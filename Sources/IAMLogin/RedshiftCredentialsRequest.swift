import Digest
import Foundation
import ObjectStore
import Warehouse

/// The unsigned HTTP request of one credentials action: `GetClusterCredentialsWithIAM` (a form) for
/// a cluster, Serverless `GetCredentials` (JSON 1.1) for a workgroup.
public struct RedshiftCredentialsRequest: Sendable {
    /// The action's name, for errors.
    public var action: String
    /// The service name SigV4 signs with: `redshift` or `redshift-serverless`.
    public var signingName: String
    public var http: HTTPRequest
    public var body: [UInt8]

    public init(login: RedshiftIAMLogin, region: String) throws {
        // https://docs.aws.amazon.com/redshift/latest/APIReference/API_GetClusterCredentialsWithIAM.html
        // https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetCredentials.html
        switch login.target {
        case .cluster(let identifier):
            action = "GetClusterCredentialsWithIAM"
            signingName = "redshift"
            var fields = [("Action", action), ("Version", "2012-12-01"), ("ClusterIdentifier", identifier)]
            if let database = login.database { fields.append(("DbName", database)) }
            if let seconds = login.durationSeconds { fields.append(("DurationSeconds", String(seconds))) }
            body = Array(
                fields.map { "\($0.0)=\(SigV4Encoding.encode($0.1, keepSlash: false))" }.joined(separator: "&").utf8)
            http = try Self.post(endpoint: login.endpoint, defaultHost: "redshift.\(region).amazonaws.com")
            http.headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
        case .workgroup(let name):
            action = "GetCredentials"
            signingName = "redshift-serverless"
            var fields: [String: Any] = ["workgroupName": name]
            if let database = login.database { fields["dbName"] = database }
            if let seconds = login.durationSeconds { fields["durationSeconds"] = seconds }
            body = Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
            http = try Self.post(endpoint: login.endpoint, defaultHost: "redshift-serverless.\(region).amazonaws.com")
            http.headers.append(("Content-Type", "application/x-amz-json-1.1"))
            http.headers.append(("X-Amz-Target", "RedshiftServerless.GetCredentials"))
        }
    }

    /// The request signed with `credentials` for `region` at `date`; the body's SHA-256 is signed too.
    public func signed(with credentials: AWSCredentials, region: String, date: Date) -> HTTPRequest {
        var request = http
        SigV4Signer(credentials: credentials, region: region, service: signingName).sign(
            &request, payload: .sha256(SHA256.hash(body).hex), date: date, addContentSHA256Header: false)
        return request
    }

    private static func post(endpoint: String?, defaultHost: String) throws -> HTTPRequest {
        guard let endpoint else { return HTTPRequest(method: "POST", host: defaultHost, path: "/") }
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme,
            let host = components.host, !host.isEmpty
        else {
            throw WarehouseError(code: .invalidRequest, message: "redshift:// URL: invalid iam_endpoint '\(endpoint)'")
        }
        return HTTPRequest(
            method: "POST", scheme: scheme, host: host, port: components.port,
            path: components.path.isEmpty ? "/" : components.path)
    }
}
