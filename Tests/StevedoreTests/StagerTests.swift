import Foundation
import Frames
import ObjectStore
import Testing
@testable import Stevedore

@Suite("Stager")
struct StagerTests {
    @Test("parts rotate near their size; every part is a whole gzip file of whole rows; the manifest lists them")
    func rotation() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stager-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileStore(root: folder)
        let stager = Stager(store: store, prefix: "p/", partSize: 8 * 1024, gzipLevel: 1, uploadConcurrency: 2,
                            nullMarker: .emptyField, pinnedTypes: [:], membership: PartitionMembership(nil))
        let frame = try LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 1500)
        let result = try await stager.stage(.frame(frame))
        #expect(result.rowCount == 3000)
        #expect(result.parts.count >= 3)
        #expect(result.parts.map(\.rowCount).reduce(0, +) == 3000)
        #expect(result.parts.map(\.key) == (1...result.parts.count).map { "p/part-\(String(format: "%05d", $0)).csv.gz" })
        var whole: [UInt8] = []
        for part in result.parts {
            let compressed = try await store.getBytes(part.key)
            #expect(compressed.count == part.compressedByteCount)
            let csv = try Gzip.decompress(compressed)
            #expect(csv.last == UInt8(ascii: "\n"))
            whole += csv
        }
        #expect(whole.filter { $0 == UInt8(ascii: "\n") }.count >= 3000)
        let manifest = String(decoding: try await store.getBytes("p/manifest.json"), as: UTF8.self)
        #expect(manifest.hasPrefix("{\"entries\":[{\"url\":\"file://"))
        #expect(manifest.contains("\"mandatory\":true"))
        #expect(manifest.components(separatedBy: "content_length").count == result.parts.count + 1)
    }
}
