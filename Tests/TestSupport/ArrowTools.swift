import Foundation

/// The Python side of the Arrow tests: the fixtures the real writers (pyarrow, Polars, pandas)
/// wrote, their expected values, and `scripts/arrow`'s scripts run by the venv `scripts/setup` made.
public enum ArrowTools {
    /// An `NAME.expected.json`: the columns and, per row, each value as PostgreSQL prints
    /// `col::text` (nil for NULL).
    public struct Expected: Decodable, Sendable {
        public struct Column: Decodable, Sendable {
            public var name: String
            public var type: String
        }

        public var columns: [Column]
        public var rows: [[String?]]
    }

    /// What a script printed, and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
    }

    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/arrow`, the small committed fixtures.
    public static let fixtures = repository.appendingPathComponent("Tests/Fixtures/arrow")

    /// The venv's Python (`$STEVEDORE_RUN_DIR/venv`, else `.run/venv`).
    public static var python: URL {
        let run =
            ProcessInfo.processInfo.environment["STEVEDORE_RUN_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent(".run")
        return run.appendingPathComponent("venv/bin/python")
    }

    public struct VenvMissing: Error, CustomStringConvertible {
        public var description: String {
            "\(ArrowTools.python.path) lacks pyarrow, Polars or pandas: run scripts/setup (scripts/test does)"
        }
    }

    /// Runs `scripts/arrow/<script>` with `arguments` (blocking: call it on the blocking pool).
    public static func run(_ script: String, _ arguments: [String], stdin: [UInt8]? = nil) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { throw VenvMissing() }
        let process = Process()
        process.executableURL = python
        process.arguments = [repository.appendingPathComponent("scripts/arrow/\(script)").path] + arguments
        let out = Pipe()
        let input = Pipe()
        // stderr goes to a file, so that it never fills a pipe while stdout is read.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arrow-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = out
        process.standardError = errors
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        try errors.close()
        if let stdin {
            try input.fileHandleForWriting.write(contentsOf: stdin)
            try input.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: (try? Data(contentsOf: errorFile)) ?? Data(), as: UTF8.self)
        return Output(status: process.terminationStatus, stdout: Array(stdout), stderr: stderr)
    }

    /// The expected values beside an Arrow file (`x.arrows` → `x.expected.json`).
    public static func expected(for file: URL) throws -> Expected {
        let stem = file.lastPathComponent.split(separator: ".")[0]
        let url = file.deletingLastPathComponent().appendingPathComponent("\(stem).expected.json")
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url))
    }

    /// Writes every fixture of the real writers into a new temporary folder and returns it.
    public static func writeFixtures() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arrow-\(UUID().uuidString)")
        let output = try run("write_fixtures.py", [folder.path])
        guard output.status == 0 else { throw ScriptFailed(script: "write_fixtures.py", stderr: output.stderr) }
        return folder
    }

    public struct ScriptFailed: Error, CustomStringConvertible {
        public var script: String
        public var stderr: String
        public var description: String { "\(script) failed: \(stderr)" }

        public init(script: String, stderr: String) {
            self.script = script
            self.stderr = stderr
        }
    }

    /// The Arrow inputs (streams, files, Feather files) of `folder`, by name.
    public static func inputs(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { ["arrows", "arrow", "feather"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
