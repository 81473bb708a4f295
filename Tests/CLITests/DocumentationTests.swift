import Foundation
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
        for command in commands {
            let expected =
                command.range(of: "# exit ").flatMap { Int32(command[$0.upperBound...].prefix { $0.isNumber }) } ?? 0
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", command]
            process.currentDirectoryURL = Self.root
            var environment = CLI.environment
            environment["PATH"] =
                CLI.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
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
