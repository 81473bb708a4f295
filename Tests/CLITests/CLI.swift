import Blocking
import Foundation
import TestSupport
import Testing

/// Runs the built `stevedore` binary, as a user would, against the test services.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: [UInt8]
    }

    /// The `stevedore` executable next to this test bundle in the build folder.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("stevedore")
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func requireServices() throws {
        try TestServices.require("PGHOST", "STEVEDORE_TEST_BUCKET")
    }

    static var bucket: String { environment["STEVEDORE_TEST_BUCKET"] ?? "" }

    /// Runs `stevedore` with `arguments` and waits for it on the blocking pool.
    static func run(_ arguments: [String], stdin: [UInt8]? = nil, environment overrides: [String: String] = [:])
        async throws -> Result
    {
        let environment = environment.merging(overrides) { _, new in new }
        return try await BlockingPool.shared.run { try runBlocking(arguments, stdin: stdin, environment: environment) }
    }

    private static func runBlocking(_ arguments: [String], stdin: [UInt8]?, environment: [String: String]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            try input.fileHandleForWriting.write(contentsOf: stdin)
            try input.fileHandleForWriting.close()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self), stdoutBytes: Array(stdoutData))
    }

    /// A file with `text` in a fresh temporary folder.
    static func file(_ name: String, _ text: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func uniqueSchema() -> String { "cli_\(UInt32.random(in: 0...UInt32.max))" }

    /// The table's rows as CSV, sorted, through `stevedore unload`.
    static func rows(_ table: String, stage: String) async throws -> [String] {
        let result = try await run(["unload", "--table", table, "--stage", stage])
        #expect(result.status == 0, "unload failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }
}
