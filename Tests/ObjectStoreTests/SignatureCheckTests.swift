import Digest
import Foundation
import Testing

@testable import ObjectStore

/// Proves the test S3 server checks signatures, and that our curl transport and signer talk to it.
@Suite("The S3 server verifies signatures", .timeLimit(.minutes(5)))
struct SignatureCheckTests {
    let transport = CurlTransport(concurrency: 2)

    @Test("an unsigned request is refused with 403 AccessDenied")
    func unsigned() async throws {
        let s3 = try TestS3()
        let response = try await transport.perform(s3.request("GET", query: [.init("list-type", "2")]))
        #expect(response.status == 403)
        let error = ObjectStoreError(response: response, operation: "ListObjectsV2", bucket: s3.bucket, key: nil)
        #expect(error.s3Code == "AccessDenied")
        #expect(error.requestID != nil)
        #expect(!error.isTransient)
    }

    @Test("a request signed with a wrong secret is refused with SignatureDoesNotMatch")
    func wrongSecret() async throws {
        let s3 = try TestS3()
        let wrongSecret = "Wrong/Secret+\(UInt32.random(in: 0...UInt32.max))"
        var request = s3.request("GET", query: [.init("list-type", "2")])
        s3.signer(secret: wrongSecret).sign(&request, payload: .empty, date: Date())
        let response = try await transport.perform(request)
        #expect(response.status == 403)
        let error = ObjectStoreError(response: response, operation: "ListObjectsV2", bucket: s3.bucket, key: nil)
        #expect(error.s3Code == "SignatureDoesNotMatch")
        #expect(!error.description.contains(wrongSecret))
        #expect(!error.description.contains(s3.credentials.secretAccessKey))
    }

    @Test("a request signed with an unknown access key is refused")
    func unknownKey() async throws {
        let s3 = try TestS3()
        var request = s3.request("GET", query: [.init("list-type", "2")])
        SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIANOTAKEY000000000", secretAccessKey: "x"),
            region: s3.region
        ).sign(&request, payload: .empty, date: Date())
        let response = try await transport.perform(request)
        #expect(response.status == 403)
        #expect(S3ErrorBody(response.body).code == "InvalidAccessKeyId")
    }

    @Test("a correctly signed PUT and GET round-trip the bytes")
    func signedRoundTrip() async throws {
        let s3 = try TestS3()
        let key = "foundation/signed check \(UInt32.random(in: 0...UInt32.max)).bin"
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var put = s3.request("PUT", key: key)
        s3.signer().sign(&put, payload: .sha256(SHA256.hash(body).hex), date: Date())
        let stored = try await transport.perform(put, body: .bytes(body))
        #expect(stored.status == 200)

        var get = s3.request("GET", key: key)
        s3.signer().sign(&get, payload: .empty, date: Date())
        let fetched = try await transport.perform(get)
        #expect(fetched.status == 200)
        #expect(fetched.body == body)

        var delete = s3.request("DELETE", key: key)
        s3.signer().sign(&delete, payload: .empty, date: Date())
        #expect(try await transport.perform(delete).status == 204)
    }

    @Test("credentials print without their secret")
    func credentialsDescription() {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "s3cr3t-value", sessionToken: "tok3n-value")
        for text in ["\(credentials)", String(reflecting: credentials)] {
            #expect(text.contains("AKIDEXAMPLE"))
            #expect(!text.contains("s3cr3t-value"))
            #expect(!text.contains("tok3n-value"))
        }
    }

    @Test("a refused connection is a transport failure naming curl's error")
    func refusedConnection() async throws {
        let request = HTTPRequest(method: "GET", scheme: "http", host: "127.0.0.1", port: 1, path: "/bucket/key")
        let error = try await #require(throws: ObjectStoreError.self) { try await transport.perform(request) }
        #expect(error.code == .transportFailure)
        #expect(error.curlCode == 7)
        #expect(error.isTransient)
    }
}
