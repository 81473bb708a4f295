import Foundation
import Frames
import TestSupport
import Testing
import Warehouse

@testable import ObjectStore
@testable import Stevedore

/// Part 1 of the reliability suites: loads and unloads (exports to the stage) through a seeded S3
/// fault proxy that answers 500 or 503 SlowDown, resets connections before or after a request takes
/// effect, stalls past the client's timeout, or cuts answers off. Each case either succeeds with
/// exactly the rows a fault-free run gives, or fails with a stage error naming the S3 operation;
/// either way the table is exactly its old or its new content, the ledger agrees, and no multipart
/// upload is left incomplete unless S3 refused every attempt to abort it (a third of the cases send
/// every object as a multipart upload).
/// `STEVEDORE_RELIABILITY_S3_CASES` cases (default 8).
@Suite("Reliability: S3 faults", .serialized, .timeLimit(.minutes(5)))
struct ReliabilityS3FaultTests {
    static let suite = "s3"

    /// How the cases ended.
    struct Tally {
        var succeeded = 0, failedCleanly = 0, loads = 0, unloads = 0, broken = 0
        /// Incomplete multipart uploads whose every abort S3 refused.
        var abortsRefused = 0
        var faults: [String: Int] = [:]
        var problems: [String] = []
        /// What the last case ended with, for the log.
        var outcome = ""
    }

    @Test("each load or unload through seeded S3 faults succeeds exactly or fails clearly, leaving old or new content")
    func seededFaults() async throws {
        let cases = ReliabilityCases.count("STEVEDORE_RELIABILITY_S3_CASES", default: 8)
        let fixture = try LoaderFixture(.folder)
        guard let bucket = ProcessInfo.processInfo.environment["STEVEDORE_TEST_BUCKET"],
            let endpoint = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL_S3"].flatMap(
                URLComponents.init(string:)),
            let host = endpoint.host
        else {
            throw TestServices.NotConfigured(variable: "AWS_ENDPOINT_URL_S3")
        }
        let proxy = try SeededFaultProxy(upstreamHost: host, upstreamPort: endpoint.port ?? 80, stall: 2)
        var configuration = try S3Configuration.fromEnvironment(bucket: bucket, endpoint: proxy.endpoint)
        configuration.retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40))
        // A stalled request is abandoned after a second without a byte (the proxy stalls for two).
        configuration.transfer.lowSpeedTimeout = .seconds(1)
        let faulted = S3Store(configuration)
        // The same, sending every object as a multipart upload (one part): create, part, complete.
        configuration.multipartThreshold = 1
        let multipartFaulted = S3Store(configuration)
        let direct = try S3Store(S3Configuration.fromEnvironment(bucket: bucket))

        var tally = Tally()
        for index in ReliabilityCases.indices(cases) {
            var generator = ReliabilityCases.generator(suite: Self.suite, case: index)
            let label = ReliabilityCases.label(suite: Self.suite, case: index)
            let rate = [0.15, 0.3, 0.45, 0.6].randomElement(using: &generator) ?? 0.2
            let faultSeed = generator.next()
            let unload = Int.random(in: 0..<10, using: &generator) < 3
            let pipelined = Bool.random(using: &generator)
            let rows = Int.random(in: 200...2500, using: &generator)
            let multipart = Int.random(in: 0..<3, using: &generator) == 0
            var options = Loader.Options()
            options.partSize = 16 * 1024
            options.pipelinedPartSize = 16 * 1024
            options.pipelinedCopy = pipelined
            options.stagePrefix = "tests/reliability-s3-\(UInt32.random(in: 0...UInt32.max))"
            let loader = Loader(stage: multipart ? multipartFaulted : faulted, options: options)
            let table = fixture.table("s3_\(index)")
            try await fixture.loader.store(
                LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 300, seed: index),
                into: table)
            tally.outcome = "broke"
            let problemsBefore = tally.problems.count
            let detail =
                "\(label) \(unload ? "unload" : pipelined ? "pipelined load" : "sequential load") of "
                + "\(rows) rows\(multipart ? " (multipart uploads)" : ""), fault rate \(rate)"
            do {
                if unload {
                    tally.unloads += 1
                    try proxy.startCase(seed: faultSeed, rate: rate)
                    try await unloadCase(
                        loader, direct: direct, fixture: fixture, table: table, detail: detail,
                        tally: &tally)
                } else {
                    tally.loads += 1
                    try await loadCase(
                        loader, fixture: fixture, table: table, rows: rows, seed: index + 100,
                        detail: detail, start: { try proxy.startCase(seed: faultSeed, rate: rate) },
                        tally: &tally)
                }
            } catch {
                tally.problems.append("\(detail): the case itself broke: \(error)")
            }
            // Whatever happened, no multipart upload is left incomplete (to be paid for), unless S3
            // refused every attempt to abort it: no client can do more (a lifecycle rule can).
            let stats = try proxy.stats()
            let incomplete = try await direct.incompleteUploads(prefix: options.stagePrefix + "/")
            let unexcused = incomplete.filter { !Self.abortRefused($0.uploadID, stats: stats, attempts: 4) }
            tally.abortsRefused += incomplete.count - unexcused.count
            if !unexcused.isEmpty {
                tally.problems.append(
                    "\(detail): \(unexcused.count) multipart uploads left incomplete: "
                        + unexcused.map(\.key).joined(separator: ", "))
            }
            for upload in incomplete { await direct.abortMultipartUpload(upload.key, uploadID: upload.uploadID) }
            if tally.problems.count > problemsBefore {
                tally.broken += 1
                print(
                    "\(label) faults injected, in order: "
                        + stats.log.map { $0.map(\.description).joined(separator: " ") }.joined(separator: "; ")
                        + "\n  requests (attempts): "
                        + stats.attempts.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
                        .joined(separator: "; "))
            }
            for (kind, count) in stats.faults { tally.faults[kind, default: 0] += count }
            print("\(detail): \(stats.requestCount) requests, \(stats.summary); \(tally.outcome)")
        }
        let run = ReliabilityCases.indices(cases).count
        let kept = run - tally.broken
        print(
            "reliability S3 faults (seed \(ReliabilityCases.seed)): \(run) cases (\(tally.loads) loads, "
                + "\(tally.unloads) unloads), \(kept) kept the promise: \(tally.succeeded) succeeded exactly, "
                + "\(tally.failedCleanly) failed cleanly; faults injected: "
                + tally.faults.sorted { $0.key < $1.key }.map { "\($0.value)×\($0.key)" }.joined(separator: " ")
                + "; incomplete uploads left because S3 refused every abort: \(tally.abortsRefused)")
        #expect(tally.problems.isEmpty, "\(tally.problems.joined(separator: "\n"))")
        #expect(kept == run)
        #expect(tally.faults.values.reduce(0, +) > 0, "the proxy injected no fault at all")
        try await fixture.dropSchema()
    }

    /// Replaces a partition through the faults; compares with the same load into a copy without them.
    private func loadCase(
        _ loader: Loader, fixture: LoaderFixture, table: TableRef, rows: Int, seed: Int, detail: String,
        start: () throws -> Void, tally: inout Tally
    ) async throws {
        let partition = PartitionSpec.day("2024-01-01", column: "day")
        let frame = try LoaderFixture.sales(days: ["2024-01-01"], rowsPerDay: rows, seed: seed)
        let reference = TableRef(schema: table.schema, table: table.table + "_expected")
        let connection = try await fixture.connection()
        try await connection.execute("CREATE TABLE \(reference.quoted) AS TABLE \(table.quoted)")
        try await fixture.loader.store(frame, into: reference, partition: partition)
        let old = try await fixture.checksum(table)
        let new = try await fixture.checksum(reference)
        let ledgerBefore = try await fixture.ledger(table).count

        try start()
        var failure: (any Error)?
        do {
            try await loader.store(frame, into: table, partition: partition)
        } catch {
            failure = error
        }
        let after = try await fixture.checksum(table)
        let ledger = try await fixture.ledger(table)
        if let failure {
            guard after == old, ledger.count == ledgerBefore else {
                tally.problems.append(
                    "\(detail): failed (\(failure)) but the table or ledger changed "
                        + "(checksum \(after == new ? "new" : "neither old nor new"), ledger rows \(ledgerBefore) → \(ledger.count))"
                )
                return
            }
            if let problem = Self.unclear(failure) {
                tally.problems.append("\(detail): \(problem)")
                return
            }
            tally.failedCleanly += 1
            tally.outcome = "failed cleanly: \(failure)"
        } else {
            guard after == new, ledger.count == ledgerBefore + 1, ledger.last?[2] == String(rows) else {
                tally.problems.append(
                    "\(detail): succeeded, but the table is \(after == old ? "the old content" : "neither old nor new") "
                        + "or the ledger (\(ledgerBefore) → \(ledger.count) rows, last \(ledger.last ?? [])) disagrees")
                return
            }
            tally.succeeded += 1
            tally.outcome = "succeeded exactly"
        }
    }

    /// Exports the table to the stage through the faults; on success the parts hold exactly what a
    /// direct unload writes.
    private func unloadCase(
        _ loader: Loader, direct store: S3Store, fixture: LoaderFixture, table: TableRef, detail: String,
        tally: inout Tally
    ) async throws {
        let old = try await fixture.checksum(table)
        let prefix = loader.options.stagePrefix + "/export/"
        var failure: (any Error)?
        var report: ExportReport?
        do {
            report = try await loader.export(table, toStagePrefix: prefix)
        } catch {
            failure = error
        }
        guard try await fixture.checksum(table) == old else {
            tally.problems.append("\(detail): an unload changed the table")
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("unload-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try await fixture.loader.unload(table, toFile: file.path)
        let expected = Array(try Data(contentsOf: file))
        try await withCleanUp({ _ = try? await store.deleteMany(try await store.listKeys(prefix: prefix)) }) {
            if let failure {
                if let problem = Self.unclear(failure) {
                    tally.problems.append("\(detail): \(problem)")
                    return
                }
                tally.failedCleanly += 1
                tally.outcome = "failed cleanly: \(failure)"
                return
            }
            guard let report else { return }
            var written: [UInt8] = []
            for part in report.parts {
                written += try Gzip.decompress(try await store.getBytes(part.key))
            }
            let manifest = String(decoding: try await store.getBytes(report.manifestKey), as: UTF8.self)
            let listed = report.parts.allSatisfy { manifest.contains($0.key) }
            guard written == expected, listed, report.rows == 600 else {
                tally.problems.append(
                    "\(detail): succeeded, but the parts hold \(written.count) bytes against "
                        + "\(expected.count) unloaded directly (rows \(report.rows), manifest lists every part: \(listed))"
                )
                return
            }
            tally.succeeded += 1
            tally.outcome = "succeeded exactly"
        }
    }

    /// Whether every one of `attempts` attempts to abort `uploadID` met a fault that kept it from S3.
    static func abortRefused(_ uploadID: String, stats: SeededFaultProxy.Stats, attempts: Int) -> Bool {
        let aborts = stats.log.filter { entry in
            entry.first?.description.hasPrefix("DELETE ") == true
                && entry.first?.description.contains("uploadId=\(uploadID)") == true
                && entry.last?.description != "lost" && entry.last?.description != "truncate"
        }
        return aborts.count >= attempts
    }

    /// Why `failure` is not a clear stage error naming the S3 operation that gave up, or nil.
    static func unclear(_ failure: any Error) -> String? {
        guard let error = failure as? StevedoreError else {
            return "failed with \(type(of: failure)), not a StevedoreError: \(failure)"
        }
        guard error.code == .stage else { return "failed with code \(error.code), not stage: \(error)" }
        let text = "\(error)"
        guard let s3 = error.underlying as? ObjectStoreError, s3.isTransient, text.contains("failed for s3://") else {
            return "the error does not name a transient S3 failure and its object: \(text)"
        }
        return nil
    }
}
