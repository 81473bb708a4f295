import Digest
import Foundation
import Testing

@testable import ObjectStore

/// The four worked examples of S3's "Signature Calculations for the Authorization Header" page.
@Suite("SigV4 against S3's worked examples")
struct SigV4S3ExamplesTests {
    static let signer = SigV4Signer(
        credentials: AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    static func request(
        _ method: String, _ path: String, query: [HTTPRequest.QueryItem] = [],
        headers: [(name: String, value: String)] = []
    ) -> HTTPRequest {
        HTTPRequest(method: method, host: "examplebucket.s3.amazonaws.com", path: path, query: query, headers: headers)
    }

    @Test("GET /test.txt with a Range header")
    func getObject() {
        var request = Self.request("GET", "/test.txt", headers: [("Range", "bytes=0-9")])
        let signature = Self.signer.sign(&request, payload: .empty, date: Self.date)
        #expect(signature.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("PUT /test$file.text encodes the $ once")
    func putObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        var request = Self.request(
            "PUT", "/test$file.text",
            headers: [
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ])
        let hash = SHA256.hash(body).hex
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signature = Self.signer.sign(&request, payload: .sha256(hash), date: Self.date)
        #expect(signature.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(request.url == "https://examplebucket.s3.amazonaws.com/test%24file.text")
    }

    @Test("GET ?lifecycle signs the bare parameter as lifecycle=")
    func getLifecycle() {
        var request = Self.request("GET", "/", query: [.init("lifecycle")])
        let signature = Self.signer.sign(&request, payload: .empty, date: Self.date)
        #expect(signature.canonicalRequest.contains("\nlifecycle=\n"))
        #expect(signature.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test("GET ?max-keys=2&prefix=J sorts the parameters")
    func listObjects() {
        var request = Self.request("GET", "/", query: [.init("prefix", "J"), .init("max-keys", "2")])
        let signature = Self.signer.sign(&request, payload: .empty, date: Self.date)
        #expect(signature.canonicalRequest.contains("\nmax-keys=2&prefix=J\n"))
        #expect(signature.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("a presigned URL lasts at most 7 days")
    func presignBounds() throws {
        let request = Self.request("GET", "/test.txt")
        #expect(throws: ObjectStoreError.self) {
            try Self.signer.presignedURL(request, expires: .seconds(604_801), date: Self.date)
        }
        let url = try Self.signer.presignedURL(request, expires: .seconds(86_400), date: Self.date)
        #expect(url.hasPrefix("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        #expect(url.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
        #expect(url.contains("X-Amz-Expires=86400"))
        #expect(url.contains("X-Amz-SignedHeaders=host"))
        // AWS's presigned-URL example for the same key and time, with UNSIGNED-PAYLOAD.
        #expect(url.contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
    }
}
