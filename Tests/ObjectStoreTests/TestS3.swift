import Foundation
import Testing
@testable import ObjectStore

/// The test S3 server, found through the variables `scripts/services env` prints. A missing
/// variable fails the test with instructions; it never skips silently.
struct TestS3 {
    struct NotConfigured: Error, CustomStringConvertible {
        var variable: String
        var description: String {
            "\(variable) is not set: run `scripts/test`, or `scripts/services up` and "
                + "`eval \"$(scripts/services env)\"` before `swift test`"
        }
    }

    var scheme: String
    var host: String
    var port: Int?
    var region: String
    var bucket: String
    var credentials: AWSCredentials

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        func require(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw NotConfigured(variable: name) }
            return value
        }
        let endpoint = try require("AWS_ENDPOINT_URL_S3")
        guard let components = URLComponents(string: endpoint), let host = components.host else {
            throw NotConfigured(variable: "AWS_ENDPOINT_URL_S3 (a URL)")
        }
        scheme = components.scheme ?? "https"
        self.host = host
        port = components.port
        region = try require("AWS_REGION")
        bucket = try require("STEVEDORE_TEST_BUCKET")
        credentials = AWSCredentials(accessKeyID: try require("AWS_ACCESS_KEY_ID"),
                                     secretAccessKey: try require("AWS_SECRET_ACCESS_KEY"))
    }

    func request(_ method: String, key: String = "", query: [HTTPRequest.QueryItem] = []) -> HTTPRequest {
        HTTPRequest(method: method, scheme: scheme, host: host, port: port,
                    path: "/\(bucket)" + (key.isEmpty ? "/" : "/\(key)"), query: query)
    }

    func signer(secret: String? = nil) -> SigV4Signer {
        var credentials = self.credentials
        if let secret { credentials.secretAccessKey = secret }
        return SigV4Signer(credentials: credentials, region: region)
    }
}
