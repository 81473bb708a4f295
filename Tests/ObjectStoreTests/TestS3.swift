import Foundation
import TestSupport
import Testing

@testable import ObjectStore

/// The test S3 server, found through the variables `scripts/services env` prints. A missing
/// variable fails the test with instructions; it never skips silently.
struct TestS3 {
    var scheme: String
    var host: String
    var port: Int?
    var region: String
    var bucket: String
    var credentials: AWSCredentials

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        func require(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw TestServices.NotConfigured(variable: name)
            }
            return value
        }
        let endpoint = try require("AWS_ENDPOINT_URL_S3")
        guard let components = URLComponents(string: endpoint), let host = components.host else {
            throw TestServices.NotConfigured(variable: "AWS_ENDPOINT_URL_S3 (a URL)")
        }
        scheme = components.scheme ?? "https"
        self.host = host
        port = components.port
        region = try require("AWS_REGION")
        bucket = try require("STEVEDORE_TEST_BUCKET")
        credentials = AWSCredentials(
            accessKeyID: try require("AWS_ACCESS_KEY_ID"),
            secretAccessKey: try require("AWS_SECRET_ACCESS_KEY"),
            sessionToken: environment["AWS_SESSION_TOKEN"])
    }

    func request(_ method: String, key: String = "", query: [HTTPRequest.QueryItem] = []) -> HTTPRequest {
        HTTPRequest(
            method: method, scheme: scheme, host: host, port: port,
            path: "/\(bucket)" + (key.isEmpty ? "/" : "/\(key)"), query: query)
    }

    /// A store on the test bucket; `tune` adjusts the configuration (part sizes, retries, …).
    func store(secret: String? = nil, bucket: String? = nil, _ tune: (inout S3Configuration) -> Void = { _ in }) throws
        -> S3Store
    {
        var credentials = self.credentials
        if let secret { credentials.secretAccessKey = secret }
        var configuration = try S3Configuration(
            bucket: bucket ?? self.bucket, region: region, credentials: credentials,
            endpoint: "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")")
        configuration.retry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))
        tune(&configuration)
        return S3Store(configuration)
    }

    /// A key prefix no other test uses.
    static func uniquePrefix(_ name: String) -> String {
        "tests/\(name)-\(UInt32.random(in: 0...UInt32.max))/"
    }

    func signer(secret: String? = nil) -> SigV4Signer {
        var credentials = self.credentials
        if let secret { credentials.secretAccessKey = secret }
        return SigV4Signer(credentials: credentials, region: region)
    }
}
