import Foundation
import TestSupport
import Testing

/// Runs every `sh` example of docs/cli.md, in order, from the repository's root, so the document
/// cannot drift from the program. A trailing `# exit N` says the example must exit with N.
@Suite("docs/cli.md examples", .serialized, .timeLimit(.minutes(5)))
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The commands of each ```sh block of `name`.
    static func examples(_ name: String) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/\(name)"), encoding: .utf8)
        var commands: [String] = []
        var inBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```sh" {
                inBlock = true
                continue
            }
            if line.hasPrefix("```") {
                inBlock = false
                continue
            }
            if inBlock && !line.trimmingCharacters(in: .whitespaces).isEmpty { commands.append(String(line)) }
        }
        return commands
    }

    @Test("every example in docs/cli.md runs and exits as it says")
    func cliExamples() throws {
        try CLI.requireServices()
        let commands = try Self.examples("cli.md")
        #expect(commands.count >= 8)
        try Self.run(commands)
    }

    @Test("every example in docs/arrow.md runs, with the test venv's python")
    func arrowExamples() throws {
        try CLI.requireServices()
        let commands = try Self.examples("arrow.md")
        #expect(commands.count >= 10)
        try Self.run(commands, path: [ArrowTools.python.deletingLastPathComponent().path])
    }

    /// Runs each command with `bash -c` from the root, the built binary (and `path`) first on PATH,
    /// and expects the exit status it states (`# exit N`), else 0.
    static func run(_ commands: [String], path: [String] = []) throws {
        for command in commands {
            let expected =
                command.range(of: "# exit ").flatMap { Int32(command[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-o", "pipefail", "-c", command]
            process.currentDirectoryURL = Self.root
            var environment = CLI.environment
            environment["PATH"] =
                ([CLI.binary.deletingLastPathComponent().path] + path + [environment["PATH"] ?? "/usr/bin:/bin"])
                .joined(separator: ":")
            environment["STEVEDORE_STAGE"] = "file:///tmp/stevedore-docs-stage"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == expected, "`\(command)` exited with \(process.terminationStatus)")
        }
    }
}
