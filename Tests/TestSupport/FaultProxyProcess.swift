import Foundation

/// Tests/Fixtures/objectstore/fault_proxy.py running on 127.0.0.1 in front of the test S3 server,
/// started with `arguments` after the upstream's host and port; killed when released. The proxy
/// prints its port, then serves.
public final class FaultProxyProcess {
    public struct NotStarted: Error, CustomStringConvertible {
        public var description: String {
            "the fault proxy did not start (python3 Tests/Fixtures/objectstore/fault_proxy.py)"
        }
    }

    private let process = Process()
    public let port: Int

    public init(upstreamHost: String, upstreamPort: Int, arguments: [String] = []) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/objectstore/fault_proxy.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, upstreamHost, String(upstreamPort)] + arguments
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

    deinit {
        // SIGKILL: the proxy may have inherited SIGTERM blocked from the test runner.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
