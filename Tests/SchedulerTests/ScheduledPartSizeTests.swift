import Blocking
import Foundation
import Frames
import Logging
import ObjectStore
import Stevedore
import TestSupport
import Testing
import Warehouse

@testable import Scheduler

/// A scheduled Redshift job sizes its parts from its files' or objects' sizes, as the CLI does.
@Suite("Scheduled part sizes", .timeLimit(.minutes(5)))
struct ScheduledPartSizeTests {
    /// About 3 MB of CSV that gzips to about 1.6 MB: random hex digits, one partition column.
    static func writeInput(in folder: URL) throws {
        var generator = SeededGenerator(seed: 41)
        let digits = Array("0123456789abcdef")
        var text = "payload,region\n"
        for _ in 0..<30_000 {
            text += String((0..<100).map { _ in digits[Int(generator.next() % 16)] }) + ",eu\n"
        }
        try text.write(to: folder.appendingPathComponent("eu.csv"), atomically: true, encoding: .utf8)
    }

    func load(_ source: JobSource, slices: String) async throws -> (report: LoadReport, sent: [String]) {
        let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
        var options = Loader.Options()
        options.stagePrefix = "tests/scheduled-part-size-\(UInt32.random(in: 0...UInt32.max))"
        options.redshiftAuthorization = .iamRole("arn:aws:iam::123456789012:role/StevedoreLoader")
        // The warehouse side of a Redshift load, watched here for the slice query.
        let session = ScriptedSession { sql, _ in
            sql == "SELECT COUNT(*) FROM STV_SLICES"
                ? QueryResult(columns: [.init(name: "count")], rows: [[slices]]) : QueryResult()
        }
        let loader = Loader(
            dialect: RedshiftDialect(), stage: S3Store(try S3Configuration.fromEnvironment(bucket: bucket)),
            options: options, sessions: .custom { session })
        let job = Job(
            name: "sized", table: TableRef(schema: "analytics", table: "blobs"),
            partitions: PartitionDefinition([.init(name: "region", column: "region", keys: .values(["eu"]))]),
            source: source)
        let logger = Logger(label: "test")
        let scheduled = ScheduledJob(
            job: job, loader: loader,
            warehouse: SchedulerWarehouse(connectionString: "", dialect: RedshiftDialect(), logger: logger))
        let key = PartitionDefinition.Key(values: ["eu"])
        let partition = PartitionSource(
            job: job, key: key, awsEnvironment: AWSEnvironment(), processEnvironment: [:], logger: logger)
        let report = try await scheduled.load(partition, partition: job.partitions.spec(for: key), exactlyOnce: false)
        return (report, session.sent.map(\.sql))
    }

    @Test("a files source: the slice query runs and the parts get the planned size; a command's do not")
    func filesAndCommand() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sized-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeInput(in: folder)

        let files = try await load(.files(pattern: folder.path + "/{region}.csv", format: .bySuffix), slices: "4")
        #expect(files.sent.contains("SELECT COUNT(*) FROM STV_SLICES"))
        // 3 MB of CSV is estimated at 750 KB staged: parts of 1 MiB, so the 1.6 MB of gzip makes two.
        #expect(files.report.parts == 2, "\(files.report.parts) parts")

        let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
        let prefix = "tests/scheduled-sources-\(UUID().uuidString)"
        try await store.put(
            "\(prefix)/eu.csv", body: .bytes(Array(try Data(contentsOf: folder.appendingPathComponent("eu.csv")))))
        let objects = try await load(
            .objects(url: "s3://\(bucket)/\(prefix)/{region}.csv", format: .bySuffix), slices: "4")
        _ = try? await store.deleteMany(try await store.listKeys(prefix: prefix))
        #expect(objects.sent.contains("SELECT COUNT(*) FROM STV_SLICES"))
        #expect(objects.report.parts == 2, "\(objects.report.parts) parts")

        let command = try await load(
            .command("cat eu.csv", format: .csv(CSVOptions()), workingDirectory: folder.path), slices: "4")
        #expect(!command.sent.contains("SELECT COUNT(*) FROM STV_SLICES"))
        #expect(command.report.parts == 1, "a command's size is unknown: the default 16 MiB parts")
    }
}
