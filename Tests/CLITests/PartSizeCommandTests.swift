import Foundation
import Scheduler
import Stevedore
import Testing

@testable import StevedoreCLI

/// `--part-size`, a job's `part_size`, and the wiring from the command line to the loader: the
/// IAM login a URL asks for, shared per warehouse URL in the scheduler.
@Suite("Part sizes and IAM logins on the command line", .timeLimit(.minutes(5)))
struct PartSizeCommandTests {
    @Test(
        "sizes as users write them",
        arguments: [
            ("64MiB", 64 << 20), ("100MB", 100_000_000), ("1GB", 1_000_000_000), ("1048576", 1_048_576),
            ("2 gib", 2 << 30), ("512KiB", 512 << 10), ("7b", 7),
        ])
    func sizes(text: String, bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("what is not a size", arguments: ["", "0", "-5MB", "MB", "12 parsecs", "1.5GB", "99999999999999999GB"])
    func notSizes(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("--part-size that is not a size: refused by validate(), exit 64")
    func badFlag() async throws {
        let result = try await CLI.run(
            ["load", "missing.csv", "--table", "s.t", "--part-size", "12parsecs"],
            environment: ["PGHOST": "127.0.0.1", "PGPORT": "1", "STEVEDORE_WAREHOUSE": ""])
        BadInputTests.expectUsageError(result, command: "load", mentioning: "--part-size '12parsecs' is not a size")
    }

    @Test("--part-size outside 1 MiB to 1 GB on Redshift: exit 64 before connecting")
    func redshiftRange() async throws {
        let input = try CLI.file("sized.csv", "id\n1\n")
        for size in ["512KiB", "2GB"] {
            let result = try await CLI.run([
                "load", input.path, "--table", "s.t", "--part-size", size, "--warehouse", "redshift://127.0.0.1:1/dev",
                "--stage", "file:///tmp/stevedore-part-size-stage",
            ])
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("outside the 1 MiB to 1 GB"), "\(result.stderr)")
        }
    }

    func target(_ arguments: [String]) throws -> TargetOptions {
        let config = try CLI.file("empty.yml", "")
        return try TargetOptions.parse(
            arguments + ["--stage", "file:///tmp/stevedore-part-size-stage", "--config", config.path])
    }

    @Test("the loader gets a login provider only for an IAM URL; a wrong IAM parameter is a usage error")
    func loaderLogin() async throws {
        let iam = try await target([
            "--warehouse", "redshift://10.0.0.5:5439/dev?iam=true&cluster_id=c&region=eu-west-1",
        ])
        .loader(verbose: false)
        #expect(iam.login != nil)
        #expect(iam.warehouse == "postgres://10.0.0.5:5439/dev", "libpq never sees the IAM parameters")
        #expect(iam.options.redshiftServerless == false)
        let workgroup = try await target(["--warehouse", "redshift://10.0.0.5:5439/dev?iam=true&workgroup=wg1"])
            .loader(verbose: false)
        #expect(workgroup.login != nil && workgroup.options.redshiftServerless == true)
        let password = try await target(["--warehouse", "redshift://loader@10.0.0.5:5439/dev"]).loader(verbose: false)
        #expect(password.login == nil)
        let postgres = try await target(["--warehouse", "postgres://127.0.0.1:1/x"]).loader(verbose: false)
        #expect(postgres.login == nil)
        let error = try await #require(throws: StevedoreError.self) {
            try await target(["--warehouse", "redshift://h/dev?iam=true&cluster_id=c&iam_endpoint=http://10.1.1.1"])
                .loader(verbose: false)
        }
        #expect(Failure.exitCode(for: error) == 64 && error.message.contains("plain http"), "\(error)")
    }

    static let jobs = """
        warehouses:
          a: redshift://10.0.0.5:5439/dev?iam=true&cluster_id=first&region=eu-west-1
          b: redshift://10.0.0.5:5439/dev?iam=true&cluster_id=second&region=eu-west-1
        jobs:
          one:
            table: analytics.one
            warehouse: a
            partitions: [{name: day, daily: 2026-01-01, column: day}]
            source: {glob: "/tmp/{day}.csv"}
            part_size: 64MiB
          two:
            table: analytics.two
            warehouse: a
            partitions: [{name: day, daily: 2026-01-01, column: day}]
            source: {glob: "/tmp/{day}.csv"}
          three:
            table: analytics.three
            warehouse: b
            partitions: [{name: day, daily: 2026-01-01, column: day}]
            source: {glob: "/tmp/{day}.csv"}
        """

    @Test("the scheduler: one session and one login per warehouse URL, even when only cluster_id differs")
    func schedulerSessions() async throws {
        let config = try CLI.file("stevedore.yml", Self.jobs)
        let target = try TargetOptions.parse([
            "--config", config.path, "--stage", "file:///tmp/stevedore-part-size-stage",
        ])
        let setup = try await SchedulerSetup(target: target, verbose: false)
        defer { Task { await setup.close() } }
        let byName = Dictionary(uniqueKeysWithValues: setup.jobs.map { ($0.job.name, $0) })
        let one = try #require(byName["one"])
        let two = try #require(byName["two"])
        let three = try #require(byName["three"])
        #expect(setup.warehouses.count == 2)
        #expect(one.warehouse === two.warehouse && one.warehouse !== three.warehouse)
        #expect(setup.logins.count == 2, "one login per URL, not per job")
        // A job's part_size reaches its loader, fixed; the others size for the cluster.
        #expect(one.job.partSize == 64 << 20)
        #expect(one.loader.options.partSize == 64 << 20 && !one.loader.options.sizePartsForCluster)
        #expect(two.job.partSize == nil && two.loader.options.sizePartsForCluster)
    }

    @Test("a job's part_size outside 1 MiB to 1 GB on Redshift is refused, exit 64")
    func jobPartSizeRange() async throws {
        let config = try CLI.file("stevedore.yml", Self.jobs.replacingOccurrences(of: "64MiB", with: "100KB"))
        let target = try TargetOptions.parse([
            "--config", config.path, "--stage", "file:///tmp/stevedore-part-size-stage",
        ])
        let error = try await #require(throws: StevedoreError.self) {
            _ = try await SchedulerSetup(target: target, verbose: false)
        }
        #expect(Failure.exitCode(for: error) == 64)
        #expect(error.message.contains("job one: part_size: 100000 bytes is outside"), "\(error.message)")
    }
}
