import Foundation
import TestSupport

/// Tests/Fixtures/redshift/iam/aws_credentials_fixture.py on 127.0.0.1, run by the test venv's
/// Python (botocore checks the signatures), accepting one key; killed when released.
final class CredentialsFixture: @unchecked Sendable {
    struct NotStarted: Error, CustomStringConvertible {
        var description: String {
            "the credentials fixture did not start (\(ArrowTools.python.path) with botocore: run scripts/test)"
        }
    }

    /// One request the fixture verified and answered.
    struct Received: Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    static let accessKeyID = "AKIDIAMLOGINTEST"
    static let secret = "iam-login-test-secret-8c1f2b7a9d"
    static let sessionToken = "iam-login-test-session-token-4e6a0c"

    private let process = Process()
    let port: Int
    let log: URL

    init() throws {
        let script = ArrowTools.repository.appendingPathComponent(
            "Tests/Fixtures/redshift/iam/aws_credentials_fixture.py")
        log = FileManager.default.temporaryDirectory.appendingPathComponent("iam-fixture-\(UUID().uuidString).jsonl")
        process.executableURL = ArrowTools.python
        process.arguments = [script.path, Self.accessKeyID, Self.secret, Self.sessionToken, log.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line: [UInt8] = []
        while let byte = try out.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw NotStarted()
        }
        self.port = port
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every request verified so far, in order.
    func received() throws -> [Received] {
        guard let data = FileManager.default.contents(atPath: log.path) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(Received.self, from: Data($0.utf8))
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }
}
