import Foundation
import Testing

@testable import StevedoreCLI

@Suite("stevedore.yml", .timeLimit(.minutes(5)))
struct ConfigurationFileTests {
    @Test("names resolve to URLs, ${VAR} expands, flags win")
    func resolution() throws {
        let text = """
            warehouses:
              local: postgres://loader:${PGPASS_FOR_TEST}@127.0.0.1:54329/stevedore
            stages:
              lake: s3://${BUCKET}/stevedore
              disk: file:///var/tmp/stage
            defaults:
              warehouse: local
              stage: lake
              iam_role: arn:aws:iam::123456789012:role/Loader
            jobs: []
            """
        let file = try ConfigurationFile.parse(
            text, path: "stevedore.yml",
            environment: ["PGPASS_FOR_TEST": "s3cret", "BUCKET": "my-bucket"])
        #expect(file.warehouse(nil) == "postgres://loader:s3cret@127.0.0.1:54329/stevedore")
        #expect(try file.stage(nil) == "s3://my-bucket/stevedore")
        #expect(try file.stage("disk") == "file:///var/tmp/stage")
        #expect(try file.stage("s3://other/prefix") == "s3://other/prefix")
        // A word that names no stage is a mistake, not a folder.
        #expect(throws: (any Error).self) { try file.stage("dsik") }
        #expect(file.iamRole == "arn:aws:iam::123456789012:role/Loader")
    }

    @Test("an unset variable, bad YAML or a wrong shape is a usage error naming the file")
    func errors() {
        let unset = #expect(throws: (any Error).self) {
            try ConfigurationFile.parse("stages:\n  lake: s3://${NOPE_NOT_SET}/x\n", path: "my.yml", environment: [:])
        }
        #expect("\(unset.map { "\($0)" } ?? "")".contains("my.yml: 'stages' uses ${NOPE_NOT_SET}, which is not set"))
        #expect(throws: (any Error).self) {
            try ConfigurationFile.parse("stages: [a, b]\n", path: "my.yml", environment: [:])
        }
        #expect(throws: (any Error).self) {
            try ConfigurationFile.parse("warehouses: {a: [\n", path: "my.yml", environment: [:])
        }
    }

    @Test("the CLI reads --config and uses its named stage")
    func cliUsesConfig() async throws {
        try CLI.requireServices()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("stevedore.yml")
        try "stages:\n  here: file://\(folder.path)/stage\ndefaults:\n  stage: here\n".write(
            to: config, atomically: true, encoding: .utf8)
        let table = "\(CLI.uniqueSchema()).sales"
        let file = try CLI.file("sales.csv", LoadCommandTests.sales)
        let result = try await CLI.run([
            "load", file.path, "--table", table, "--config", config.path, "--json", "--keep-stage",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((report["stagePrefix"] as? String)?.hasPrefix("file://\(folder.path)/stage/") == true)
        let missing = try await CLI.run([
            "load", file.path, "--table", table, "--config", folder.appendingPathComponent("nope.yml").path,
        ])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read the configuration file"))
    }
}
