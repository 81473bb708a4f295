import Foundation
import Frames
import ObjectStore
import Stevedore
import TestSupport
import Testing

/// The part size rule: the number of parts a multiple of the slices, each between 1 MiB and 1 GB,
/// ideally at most 125 MB (AWS's COPY best practices); the default when a number is unknown.
@Suite("Part sizing for the cluster's slices")
struct PartSizingTests {
    let sizing = PartSizing()
    static let mib = 1024 * 1024

    @Test(
        "parts are a multiple of the slices, each at most 125 MB",
        arguments: [
            // (estimated compressed bytes, slices, parts, part bytes)
            (64 * mib, 4, 4, 16 * mib),  // one round of four 16 MiB parts
            (64 * mib, 2, 2, 32 * mib),
            (1000 * mib, 4, 12, 87_381_334),  // 4 parts would be 262 MB: three rounds of four
            (10_000_000_000, 16, 80, 125_000_000),  // 10 GB on 16 slices: five rounds, 125 MB each
            (10_000_000_001, 16, 96, 104_166_667),  // one byte more: a sixth round
            (500 * mib, 1, 5, 104_857_600),  // one slice: five parts, none over 125 MB
            (32 * mib, 32, 32, mib),  // exactly 1 MiB each
            (200 * mib, 128, 128, 1_638_400),
        ])
    func multiples(estimate: Int, slices: Int, parts: Int, partBytes: Int) throws {
        let plan = try #require(sizing.plan(estimatedBytes: estimate, slices: slices))
        #expect(plan.parts == parts && plan.partBytes == partBytes, "\(plan)")
        #expect(plan.parts % slices == 0)
        #expect(plan.partBytes >= PartSizing.minimumPartBytes && plan.partBytes <= PartSizing.idealMaximumPartBytes)
        // The parts hold the estimate, and one part fewer would not.
        #expect(plan.parts * plan.partBytes >= estimate && (plan.parts - 1) * plan.partBytes < estimate)
        #expect(sizing.partBytes(estimatedBytes: estimate, slices: slices) == partBytes)
    }

    @Test("a small load on many slices: parts of at least 1 MiB, fewer than the slices")
    func smallLoad() throws {
        let small = try #require(sizing.plan(estimatedBytes: 10 * Self.mib, slices: 32))
        #expect(small.parts == 10 && small.partBytes == Self.mib)
        let tiny = try #require(sizing.plan(estimatedBytes: 300_000, slices: 8))
        #expect(tiny.parts == 1 && tiny.partBytes == Self.mib, "under 1 MiB is one part")
    }

    @Test("an unknown estimate or slice count keeps the default part size")
    func unknown() {
        #expect(sizing.partBytes(estimatedBytes: nil, slices: 4) == 16 * Self.mib)
        #expect(sizing.partBytes(estimatedBytes: 64 * Self.mib, slices: nil) == 16 * Self.mib)
        #expect(sizing.partBytes(estimatedBytes: 0, slices: 4) == 16 * Self.mib)
        #expect(sizing.partBytes(estimatedBytes: 64 * Self.mib, slices: 0) == 16 * Self.mib)
        #expect(PartSizing(defaultPartBytes: 5 * Self.mib).partBytes(estimatedBytes: nil, slices: nil) == 5 * Self.mib)
    }
}

/// The estimate of the staged gzip bytes: the inputs' sizes on disk or in a listing, a frame's text.
@Suite("The staged-bytes estimate")
struct StagedBytesEstimateTests {
    @Test("a .gz input counts as it is, any other at a quarter, files and S3 objects alike; stdin is unknown")
    func estimate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("estimate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("a.csv").path
        let gz = folder.appendingPathComponent("b.csv.gz").path
        #expect(FileManager.default.createFile(atPath: csv, contents: Data(count: 4000)))
        #expect(FileManager.default.createFile(atPath: gz, contents: Data(count: 1000)))
        #expect(PartSizing.estimatedStagedBytes(ofFiles: [csv, gz]) == 2000)
        #expect(try await LoadSource.estimatedStagedBytes([folder.path + "/*"]) == 2000)
        // An object glob: the sizes come from the bucket's listing.
        let bucket = try TestServices.value("STEVEDORE_TEST_BUCKET")
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
        let prefix = "tests/estimate-\(UUID().uuidString)"
        try await store.put("\(prefix)/a.csv", body: .bytes(Array(repeating: 0, count: 4000)))
        try await store.put("\(prefix)/b.csv.gz", body: .bytes(Array(repeating: 0, count: 1000)))
        let estimate = try await LoadSource.estimatedStagedBytes(["s3://\(bucket)/\(prefix)/*.csv*"])
        let mixed = try await LoadSource.estimatedStagedBytes([csv, "s3://\(bucket)/\(prefix)/b.csv.gz"])
        _ = try? await store.deleteMany(try await store.listKeys(prefix: prefix))
        #expect(estimate == 2000 && mixed == 2000)
        #expect(try await LoadSource.estimatedStagedBytes(["-"]) == nil)
        #expect(try await LoadSource.estimatedStagedBytes([folder.path + "/missing.csv"]) == nil)
        #expect(PartSizing.estimatedStagedBytes(ofFiles: [folder.path + "/missing.csv"]) == nil)
    }

    @Test("a frame's estimate is its values' text over the compression ratio, sampled rows scaled up")
    func frame() throws {
        let frame = try Frame(columns: [.text("t", Array(repeating: String(repeating: "x", count: 99), count: 400))])
        // 400 rows of 99 bytes and a separator: 40,000 bytes of text, a quarter of it staged.
        #expect(PartSizing.estimatedStagedBytes(of: frame) == 10_000)
        #expect(PartSizing.estimatedStagedBytes(of: frame, sampledRows: 100) == 10_000)
        #expect(PartSizing.estimatedStagedBytes(of: try Frame(columns: [.text("t", [])])) == nil)
    }
}
