import Blocking
import Foundation
import TestSupport

/// Tests/Fixtures/redshift/iam/aws_credentials_fixture.py on 127.0.0.1, run by the test venv's
/// Python (botocore checks the signatures), accepting one key in one region; killed when released.
final class CredentialsFixture: @unchecked Sendable {
    /// The fixture printed no port: its stderr (a Python traceback, say) says why.
    struct NotStarted: Error, CustomStringConvertible {
        var stderr: String
        var description: String {
            "the credentials fixture did not start (\(ArrowTools.python.path) with botocore: run scripts/setup): "
                + stderr
        }
    }

    /// One request the fixture verified and answered.
    struct Received: Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    /// How the fixture answers a verified request (see the script's docstring).
    enum Mode: String {
        case normal
        case unavailableOnce = "unavailable-once"
        case echoToken = "echo-token"
    }

    static let accessKeyID = "AKIDIAMLOGINTEST"
    static let secret = "iam-login-test-secret-8c1f2b7a9d"
    static let sessionToken = "iam-login-test-session-token-4e6a0c"

    private let process: Process
    private let stderrFile: URL
    let port: Int
    let log: URL

    init(region: String, mode: Mode = .normal) async throws {
        let script = ArrowTools.repository.appendingPathComponent(
            "Tests/Fixtures/redshift/iam/aws_credentials_fixture.py")
        let id = UUID().uuidString
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("iam-fixture-\(id).jsonl")
        let stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("iam-fixture-\(id).err")
        let process = Process()
        process.executableURL = ArrowTools.python
        process.arguments = [
            script.path, Self.accessKeyID, Self.secret, Self.sessionToken, log.path, region, mode.rawValue,
        ]
        // The start and the read of the port line block: on the pool, not a cooperative thread.
        let port = try await BlockingPool.shared.run { () throws -> Int? in
            _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: stderrFile)
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            var line: [UInt8] = []
            while let byte = try out.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
                line.append(byte)
            }
            return Int(String(decoding: line, as: UTF8.self))
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: stderrFile)
            throw NotStarted(stderr: String(stderr.suffix(2000)))
        }
        self.process = process
        self.stderrFile = stderrFile
        self.port = port
        self.log = log
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
        try? FileManager.default.removeItem(at: stderrFile)
    }
}
