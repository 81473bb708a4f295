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
        var generator = SeededGenerator(seed: 23)
        let digits = Array("0123456789abcdef")
        let values = (0..<30_000).map { _ in
            String((0..<100).map { _ in digits[Int(generator.next() % 16)] })
        }
        return try Frame(columns: [.text("payload", values)])
    }

    func load(
        answer: @escaping @Sendable (String, [String?]) throws -> QueryResult, _ tune: (inout Loader.Options) -> Void
    ) async throws -> (report: LoadReport, sent: [ScriptedSession.Sent]) {
        let session = ScriptedSession(answer: answer)
        let prefix = "tests/part-size-\(UInt32.random(in: 0...UInt32.max))"
        var loader = try SentSQLTests.redshiftLoader(session, prefix: prefix)
        var options = loader.options
        tune(&options)
        loader = loader.with(options: options)
        let report = try await loader.store(
            try Self.incompressible(), into: TableRef(schema: "analytics", table: "blobs"))
        _ = try? await loader.stage.deleteMany(try await loader.stage.listKeys(prefix: prefix))
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

    @Test("Serverless refuses STV_SLICES: 16 slices are assumed and the load goes on")
    func serverless() async throws {
        let refuse: @Sendable (String, [String?]) throws -> QueryResult = { sql, _ in
            guard sql != Self.sliceQuery else {
                throw WarehouseError(
                    code: .serverError, message: "permission denied for relation stv_slices", sqlState: "42501")
            }
            return QueryResult()
        }
        // 4 MiB over 16 slices would be parts of 256 KiB: held at the 1 MiB minimum instead.
        let (report, sent) = try await load(answer: refuse) { $0.expectedStagedBytes = 4 << 20 }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) != nil)
        #expect(report.parts == 2 && report.rows == 30_000)
    }

    @Test("--part-size wins: no slice query, every part at the fixed size")
    func fixed() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) {
            $0.expectedStagedBytes = 4 << 20
            $0.partSize = 512 << 10
            $0.sizePartsForCluster = false
        }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) == nil)
        #expect(report.parts == 4, "1.6 MB at 512 KiB a part: \(report.parts)")
    }

    @Test("an unknown input size (stdin, a frame): no slice query, the default part size")
    func unknownSize() async throws {
        let (report, sent) = try await load(answer: Self.slices("4")) { _ in }
        #expect(SentSQLTests.index(sent, Self.sliceQuery) == nil)
        #expect(report.parts == 1)
    }
}
