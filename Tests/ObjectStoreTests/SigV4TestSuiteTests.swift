import Digest
import Foundation
import Testing

@testable import ObjectStore

/// The AWS SigV4 test suite (awslabs/aws-c-auth), read from `../shared/fixtures`, with the cases
/// that apply to S3: no path normalization, single encoding.
@Suite("SigV4 against the AWS test suite")
struct SigV4TestSuiteTests {
    static let suite: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/aws-sigv4-test-suite/v4")

    /// Every case but the normalized ones and `post-sts-header-after` (see the suite's SOURCE.md).
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: suite.path)) ?? []
        return names.filter { !$0.hasSuffix("-normalized") && $0 != "post-sts-header-after" }.sorted()
    }()

    struct Case {
        var request: HTTPRequest
        var body: [UInt8]
        var signer: SigV4Signer
        var date: Date
        var signBody: Bool
        var expires: Int

        init(_ name: String) throws {
            let folder = SigV4TestSuiteTests.suite.appendingPathComponent(name)
            let context =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: folder.appendingPathComponent("context.json"))) as! [String: Any]
            let credentials = context["credentials"] as! [String: String]
            let omitToken = context["omit_session_token"] as? Bool ?? false
            signer = SigV4Signer(
                credentials: AWSCredentials(
                    accessKeyID: credentials["access_key_id"]!,
                    secretAccessKey: credentials["secret_access_key"]!,
                    sessionToken: omitToken ? nil : credentials["token"]),
                region: context["region"] as! String, service: context["service"] as! String)
            date = ISO8601DateFormatter().date(from: context["timestamp"] as! String)!
            signBody = context["sign_body"] as? Bool ?? false
            expires = context["expiration_in_seconds"] as? Int ?? 3600
            (request, body) = try Self.parse(
                String(contentsOf: folder.appendingPathComponent("request.txt"), encoding: .utf8))
        }

        /// Reads `request.txt`: the request line, headers (continuation lines folded into the
        /// previous value), a blank line, the body.
        static func parse(_ text: String) throws -> (HTTPRequest, [UInt8]) {
            var lines = text.components(separatedBy: "\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            let method = String(requestLine[0])
            let target = requestLine[1..<(requestLine.count - 1)].joined(separator: " ")
            let (path, queryText) =
                target.firstIndex(of: "?").map {
                    (String(target[..<$0]), String(target[target.index(after: $0)...]))
                } ?? (target, "")
            var headers: [(name: String, value: String)] = []
            while let line = lines.first, !line.isEmpty {
                lines.removeFirst()
                if line.first == " " || line.first == "\t", !headers.isEmpty {
                    headers[headers.count - 1].value += "\n" + line
                } else if let colon = line.firstIndex(of: ":") {
                    headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            let body = lines.isEmpty ? "" : lines.dropFirst().joined(separator: "\n")
            let query: [HTTPRequest.QueryItem] =
                queryText.isEmpty
                ? []
                : queryText.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    return HTTPRequest.QueryItem(
                        SigV4Encoding.decode(String(parts[0])),
                        parts.count > 1 ? SigV4Encoding.decode(String(parts[1])) : nil)
                }
            let host = headers.first { $0.name.lowercased() == "host" }?.value ?? ""
            return (
                HTTPRequest(method: method, host: host, path: path, query: query, headers: headers), Array(body.utf8)
            )
        }

        func expected(_ file: String) throws -> String {
            try String(contentsOf: SigV4TestSuiteTests.suite.appendingPathComponent(file), encoding: .utf8)
        }
    }

    @Test("the suite is there and has the S3 cases")
    func suitePresent() {
        #expect(Self.cases.count >= 20, "no test suite at \(Self.suite.path)")
        #expect(Self.cases.contains("get-vanilla-with-session-token"))
        #expect(!Self.cases.contains("get-slash-normalized"))
    }

    @Test("header signing matches", arguments: cases)
    func headerSigning(name: String) throws {
        let testCase = try Case(name)
        var request = testCase.request
        let signature = testCase.signer.sign(
            &request, payload: .sha256(SHA256.hash(testCase.body).hex),
            date: testCase.date, addContentSHA256Header: testCase.signBody)
        #expect(signature.canonicalRequest == (try testCase.expected("\(name)/header-canonical-request.txt")))
        #expect(signature.stringToSign == (try testCase.expected("\(name)/header-string-to-sign.txt")))
        #expect(signature.signature == (try testCase.expected("\(name)/header-signature.txt")))
        let expectedAuthorization = try testCase.expected("\(name)/header-signed-request.txt")
            .components(separatedBy: "\n").first { $0.hasPrefix("Authorization:") }
        #expect("Authorization:" + (request.header("Authorization") ?? "") == expectedAuthorization)
    }

    @Test("query signing (presigned URLs) matches", arguments: cases)
    func querySigning(name: String) throws {
        let testCase = try Case(name)
        let (url, signature) = try testCase.signer.presign(
            testCase.request, expires: .seconds(testCase.expires), date: testCase.date,
            payload: .sha256(SHA256.hash(testCase.body).hex))
        #expect(signature.canonicalRequest == (try testCase.expected("\(name)/query-canonical-request.txt")))
        #expect(signature.stringToSign == (try testCase.expected("\(name)/query-string-to-sign.txt")))
        #expect(signature.signature == (try testCase.expected("\(name)/query-signature.txt")))
        #expect(url.contains("&X-Amz-Signature=\(signature.signature)"))
    }
}
