import Foundation
import Frames
import Stevedore
import TestSupport
import Testing
import Warehouse

/// How a Redshift load sizes its parts, seen from what it sends and stages: the slice count read
/// from STV_SLICES (or Serverless's assumed one), the estimate, and a fixed part size winning.
@Suite("Redshift part sizes for the cluster", .timeLimit(.minutes(5)))
struct PartSizeLoadTests {
    static let sliceQuery = "SELECT COUNT(*) FROM STV_SLICES"

    /// About 1.6 MB of gzip: 30,000 rows of 100 random hex digits (which compress about 2:1).
    static func incompressible() throws -> Frame {
        try Frame(columns: [.text("payload", payloads())])
    }

    static func payloads() -> [String] {
        var generator = SeededGenerator(seed: 23)
        let digits = Array("0123456789abcdef")
        return (0..<30_000).map { _ in
            String((0..<100).map { _ in digits[Int(generator.next() % 16)] })
        }
    }

    func load(
        _ source: LoadSource? = nil,
        answer: @escaping @Sendable (String, [String?]) throws -> QueryResult, _ tune: (inout Loader.Options) -> Void
    ) async throws -> (report: LoadReport, sent: [ScriptedSession.Sent]) {
        let session = ScriptedSession(answer: answer)
        let prefix = "tests/part-size-\(UInt32.random(in: 0...UInt32.max))"
        var loader = try SentSQLTests.redshiftLoader(session, prefix: prefix)
        var options = loader.options
        tune(&options)
        loader = loader.with(options: options)
        let stage = loader.stage
        let report: LoadReport
        do {
            report = try await loader.store(
                try source ?? .frame(Self.incompressible()), into: TableRef(schema: "analytics", table: "blobs"))
        } catch {
            _ = try? await stage.deleteMany(try await stage.listKeys(prefix: prefix))
            throw error
        }
        _ = try? await stage.deleteMany(try await stage.listKeys(prefix: prefix))
        return (report, session.sent)
    }

    static func slices(_ count: String) -> @Sendable (String, [String?]) throws -> QueryResult {
        { sql, _ in
            sql == sliceQuery ? QueryResult(columns: [.init(name: "count")], rows: [[count]]) : QueryResult()
        }
    }

    @Test("four slices and a 4 MiB estimate: parts of 1 MiB, the slice count read before the transaction")
    func provisioned() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) { $0.expectedStagedBytes = 4 << 20 }
        let query = try #require(SentSQLTests.index(sent, Self.sliceQuery))
        let lock = try #require(SentSQLTests.index(sent, "LOCK "))
        let copy = try #require(SentSQLTests.index(sent, "COPY "))
        #expect(sent[lock - 1].sql == "BEGIN" && query < lock - 1 && lock < copy)
        #expect(sent[query].parameters.isEmpty)
        // ~1.6 MB of gzip at 1 MiB a part; at the default 16 MiB it would be one part.
        #expect(report.parts == 2, "\(report.parts) parts")
        #expect(report.compressedBytes > 1 << 20 && report.compressedBytes < 2 << 20)
    }

    @Test("a refused slice query (no right to STV_SLICES): the default part size, and the load goes on")
    func refusedQuery() async throws {
        let refuse: @Sendable (String, [String?]) throws -> QueryResult = { sql, _ in
            guard sql != Self.sliceQuery else {
                throw WarehouseError(
                    code: .serverError, message: "permission denied for relation stv_slices", sqlState: "42501")
            }
            return QueryResult()
        }
        let (report, sent) = try await load(answer: refuse) { $0.expectedStagedBytes = 4 << 20 }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) != nil)
        #expect(report.parts == 1 && report.rows == 30_000)
    }

    @Test("--part-size wins: no slice query, every part at the fixed size")
    func fixed() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) {
            $0.expectedStagedBytes = 4 << 20
            $0.partSize = 512 << 10
            $0.sizePartsForCluster = false
        }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) == nil)
        // Every part but the last ends once it holds 512 KiB of gzip (the 16 MiB default: one part).
        let atMost = (report.compressedBytes + (512 << 10) - 1) / (512 << 10)
        #expect(
            report.parts >= 3 && report.parts <= atMost && report.compressedBytes >= (report.parts - 1) * (512 << 10),
            "\(report.compressedBytes) bytes: \(report.parts) parts")
    }

    @Test("a frame without an estimate is measured: the slice query runs and parts get the planned size")
    func frameMeasured() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) { _ in }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) != nil)
        // 3 MB of text is estimated at 750 KB: parts of 1 MiB, so the 1.6 MB of gzip makes two.
        #expect(report.parts == 2, "\(report.parts) parts")
    }

    @Test("a slice count of zero or below is unknown: the default part size")
    func zeroSlices() async throws {
        for count in ["0", "-3"] {
            let (report, sent) = try await load(answer: Self.slices(count)) { $0.expectedStagedBytes = 4 << 20 }
            #expect(SentSQLTests.index(sent, Self.sliceQuery) != nil)
            #expect(report.parts == 1, "\(count) slices: \(report.parts) parts")
        }
    }

    @Test("Serverless (by its URL) is not asked for STV_SLICES: 16 slices assumed")
    func serverlessByURL() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) {
            $0.expectedStagedBytes = 4 << 20
            $0.redshiftServerless = true
        }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) == nil)
        // 4 MiB over 16 slices would be parts of 256 KiB: held at the 1 MiB minimum.
        #expect(report.parts == 2)
        #expect(
            WarehouseURL.isRedshiftServerless(
                "postgres://wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com/dev"))
        #expect(WarehouseURL.isRedshiftServerless("redshift://10.0.0.5/dev?iam=true&workgroup=wg"))
        #expect(!WarehouseURL.isRedshiftServerless("postgres://c.abc.eu-west-1.redshift.amazonaws.com/dev"))
    }

    @Test("a cancelled slice query cancels the load instead of falling back")
    func cancelled() async throws {
        let cancel: @Sendable (String, [String?]) throws -> QueryResult = { sql, _ in
            if sql == Self.sliceQuery { throw CancellationError() }
            return QueryResult()
        }
        await #expect(throws: CancellationError.self) {
            _ = try await load(answer: cancel) { $0.expectedStagedBytes = 4 << 20 }
        }
    }

    @Test("an unknown input size (stdin, a command): no slice query, the default part size")
    func unknownSize() async throws {
        let batch = try TextBatch(columnNames: ["payload"], rows: Self.payloads().map { [$0] })
        let stream = AsyncThrowingStream<TextBatch, any Error> { continuation in
            continuation.yield(batch)
            continuation.finish()
        }
        let (report, sent) = try await load(.batches(stream), answer: Self.slices("4")) { _ in }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) == nil)
        #expect(report.parts == 1)
    }
}
