import Foundation
import TestSupport
import Testing

@testable import ObjectStore

/// The test S3 server behind an HTTPS proxy with a self-signed certificate (`scripts/services`
/// starts stunnel): the certificate is refused unless its CA bundle is given.
@Suite("TLS verification of an https:// endpoint", .timeLimit(.minutes(5)))
struct TLSVerificationTests {
    static func tlsStore(caBundle: String?) throws -> S3Store {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["STEVEDORE_TEST_S3_TLS_ENDPOINT"] else {
            throw TestServices.NotConfigured(variable: "STEVEDORE_TEST_S3_TLS_ENDPOINT")
        }
        let s3 = try TestS3()
        var configuration = try S3Configuration(
            bucket: s3.bucket, region: s3.region, credentials: s3.credentials,
            endpoint: endpoint)
        configuration.retry = RetryPolicy(maxAttempts: 1)
        configuration.transfer.caBundlePath = caBundle
        return S3Store(configuration)
    }

    static var caBundle: String {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["STEVEDORE_TEST_CA_BUNDLE"] else {
                throw TestServices.NotConfigured(variable: "STEVEDORE_TEST_CA_BUNDLE")
            }
            return path
        }
    }

    @Test("a self-signed certificate is refused by default, naming the certificate problem and the request")
    func refusedByDefault() async throws {
        let store = try Self.tlsStore(caBundle: nil)
        let key = TestS3.uniquePrefix("tls") + "refused.txt"
        let error = await #expect(throws: ObjectStoreError.self) {
            try await store.put(key, body: .bytes(Array("never sent".utf8)))
        }
        #expect(error?.code == .transportFailure)
        #expect(error?.message.localizedCaseInsensitiveContains("certificate") == true, "\(String(describing: error))")
        #expect(error?.operation == "PutObject")
        // Nothing reached the server: the object is not there (asked over plain HTTP).
        #expect(try await TestS3().store().head(key) == nil)
    }

    @Test("with the CA bundle, the same endpoint works: an object goes up and comes back byte for byte")
    func acceptedWithBundle() async throws {
        let store = try Self.tlsStore(caBundle: try Self.caBundle)
        let key = TestS3.uniquePrefix("tls") + "accepted.bin"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = try await store.put(key, body: .bytes(bytes))
        #expect(try await store.getBytes(key) == bytes)
        try await store.delete(key)
    }

    @Test("AWS_CA_BUNDLE and a profile's ca_bundle name the bundle; an explicit one wins")
    func bundleFromEnvironment() throws {
        let environment = AWSEnvironment(variables: ["AWS_CA_BUNDLE": "/etc/ca.pem", "HOME": "/nonexistent"])
        #expect(environment.caBundle() == "/etc/ca.pem")
        #expect(environment.caBundle(explicit: "/mine.pem") == "/mine.pem")
        #expect(AWSEnvironment(variables: ["HOME": "/nonexistent"]).caBundle() == nil)
        let configuration = try S3Configuration.fromEnvironment(
            bucket: "b",
            environment: AWSEnvironment(variables: [
                "AWS_CA_BUNDLE": "/etc/ca.pem", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
                "HOME": "/nonexistent",
            ]))
        #expect(configuration.transfer.caBundlePath == "/etc/ca.pem")
    }
}
