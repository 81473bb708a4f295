import Foundation
import TestSupport

/// Tests/Fixtures/objectstore/fault_proxy.py in its seeded mode, on 127.0.0.1 in front of the test
/// S3 server: each request may be answered 500 or 503 SlowDown, reset before or after it reaches
/// S3, stalled past the client's timeout, or cut off midway, as the case's seed decides.
final class SeededFaultProxy {
    /// What the proxy did in the current case.
    struct Stats: Decodable {
        /// Injected faults by kind (`500`, `503`, `reset`, `lost`, `stall`, `truncate`).
        var faults: [String: Int]
        /// Every injected fault: request line, attempt, kind.
        var log: [[Log]]
        var attempts: [String: Int]

        enum Log: Decodable, CustomStringConvertible {
            case text(String)
            case number(Int)
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) {
                    self = .number(number)
                } else {
                    self = .text(try container.decode(String.self))
                }
            }
            var description: String {
                switch self {
                case .text(let text): text
                case .number(let number): String(number)
                }
            }
        }

        var requestCount: Int { attempts.values.reduce(0, +) }
        var summary: String {
            faults.isEmpty
                ? "no faults"
                : faults.sorted { $0.key < $1.key }.map { "\($0.value)×\($0.key)" }
                    .joined(separator: " ")
        }
    }

    /// A request to the proxy's own control paths (`/__seed`, `/__stats`) failed.
    struct ControlRequestFailed: Error, CustomStringConvertible {
        var url: String
        var description: String { "the fault proxy did not answer \(url)" }
    }

    private let running: FaultProxyProcess
    var port: Int { running.port }

    /// `stall`: how long a stalled request hangs before its connection is reset.
    init(upstreamHost: String, upstreamPort: Int, stall: Double) throws {
        running = try FaultProxyProcess(
            upstreamHost: upstreamHost, upstreamPort: upstreamPort,
            arguments: ["--seed", "0", "--rate", "0", "--stall", String(stall)])
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts a case: counters reset, faults drawn from `seed` with probability `rate` per request.
    func startCase(seed: UInt64, rate: Double) throws {
        _ = try Self.get("\(endpoint)/__seed?seed=\(seed)&rate=\(rate)")
    }

    func stats() throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: Data(try Self.get("\(endpoint)/__stats")))
    }

    /// The body of a GET through curl(1), outside the code under test.
    private static func get(_ url: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sS", "--fail", "--max-time", "10", url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ControlRequestFailed(url: url) }
        return Array(data)
    }
}
