import Digest
import Foundation
import Frames
import ObjectStore
import TestSupport
import Testing

@testable import Stevedore

@Suite("Stager", .timeLimit(.minutes(5)))
struct StagerTests {
    @Test("parts rotate near their size; every part is a whole gzip file of whole rows; the manifest lists them")
    func rotation() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stager-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (stager, store) = try Self.stager(in: folder, partSize: 8 * 1024)
        let frame = try LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 1500)
        let result = try await stager.stage(.frame(frame))
        #expect(result.rowCount == 3000)
        #expect(result.parts.count >= 3)
        #expect(result.parts.map(\.rowCount).reduce(0, +) == 3000)
        #expect(
            result.parts.map(\.key) == (1...result.parts.count).map { "p/part-\(String(format: "%05d", $0)).csv.gz" })
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

    @Test("a smaller first part ends at its own size, the parts after it at the part size")
    func smallerFirstPart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stager-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var (stager, _) = try Self.stager(in: folder, partSize: 32 * 1024)
        stager.firstPartSize = 2 * 1024
        let frame = try LoaderFixture.sales(days: ["2024-01-01", "2024-01-02"], rowsPerDay: 8000)
        let result = try await stager.stage(.frame(frame))
        #expect(result.parts.map(\.rowCount).reduce(0, +) == 16000)
        #expect(result.parts.count >= 3)
        // A part ends after the batch that fills it (about 9 KiB of gzip here).
        let sizes = result.parts.map(\.compressedByteCount)
        #expect(sizes[0] >= 2 * 1024 && sizes[0] < 16 * 1024, "\(sizes)")
        for size in sizes.dropFirst().dropLast() { #expect(size >= 32 * 1024, "\(sizes)") }
    }

    /// A stager writing parts of `partSize` under `p/` in a `FileStore` at `folder`.
    private static func stager(in folder: URL, partSize: Int) throws -> (Stager, FileStore) {
        let store = try FileStore(root: folder)
        let stager = Stager(
            store: store, prefix: "p/", partSize: partSize, gzipLevel: 1, uploadConcurrency: 2,
            nullMarker: .emptyField, pinnedTypes: [:], membership: PartitionMembership(nil))
        return (stager, store)
    }

    @Test("through S3, the part buffers are reused: allocations follow the parts in flight, not the part count")
    func partBuffersComeBack() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let bucket = environment["STEVEDORE_TEST_BUCKET"] else {
            throw TestServices.NotConfigured(variable: "STEVEDORE_TEST_BUCKET")
        }
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
        let prefix = "tests/stager-\(UInt32.random(in: 0...UInt32.max))/"
        var stager = Stager(
            store: store, prefix: prefix, partSize: 8 * 1024, gzipLevel: 1, uploadConcurrency: 2,
            nullMarker: .emptyField, pinnedTypes: [:], membership: PartitionMembership(nil))
        let received = Counter()
        let chunks = ChunkLog()
        let csvBuffers = stager.csvBuffers
        stager.chunkSink = { chunk in
            received.add(chunk.rowCount)
            chunks.add(chunk)
            csvBuffers.recycle(chunk.csv)
        }
        // The stager cuts a frame into batches of 1,024 rows: a part each.
        let frame = try LoaderFixture.sales(days: (1...8).map { "2024-01-0\($0)" }, rowsPerDay: 3000)
        let result = try await stager.stage(.frame(frame))
        #expect(result.parts.count >= 20)
        #expect(received.value == 24_000)
        // One body being written, two uploading, one finished but not yet handed back.
        #expect(
            stager.bodies.allocations <= 4, "\(stager.bodies.allocations) body buffers for \(result.parts.count) parts")
        // Every part is complete: a reused buffer never leaks bytes of an earlier part into a later one.
        var bytes = 0
        for part in result.parts {
            let csv = try Gzip.decompress(try await store.getBytes(part.key))
            #expect(csv.count == part.uncompressedByteCount)
            #expect(SHA256.hash(try await store.getBytes(part.key)).hex == part.sha256)
            bytes += csv.count
        }
        #expect(bytes == result.uncompressedByteCount)
        #expect(result.parts.map(\.rowCount).reduce(0, +) == 24_000)
        // The COPY got every batch once, in order, each named with the part that holds its rows (how
        // a rejected line is named), and a part's CSV is the CSV of its batches.
        var chunkRows: [String: Int] = [:]
        var chunkBytes: [String: Int] = [:]
        for chunk in chunks.all {
            chunkRows[chunk.key, default: 0] += chunk.rows
            chunkBytes[chunk.key, default: 0] += chunk.bytes
        }
        #expect(chunkRows == Dictionary(uniqueKeysWithValues: result.parts.map { ($0.key, $0.rowCount) }))
        #expect(chunkBytes == Dictionary(uniqueKeysWithValues: result.parts.map { ($0.key, $0.uncompressedByteCount) }))
        #expect(chunks.all.map(\.key) == chunks.all.map(\.key).sorted())
        // Every part ends on a batch that says so; the last one on the end of the input, a batch of no rows.
        #expect(Set(chunks.all.filter(\.endsPart).map(\.key)) == Set(result.parts.map(\.key)))
        #expect(chunks.all.last.map { $0.rows == 0 && $0.endsPart && $0.key == result.parts.last?.key } == true)
        _ = try await store.deleteMany(try await store.listKeys(prefix: prefix))
    }
}

extension StagerTests {
    @Test("batches go to the COPY named by their part, several to a part; a column that appears ends a part")
    func chunksFollowParts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 3,000 rows in batches of 100; from row 2,001 on a `note` key appears.
        let input = folder.appendingPathComponent("rows.jsonl")
        let lines = (1...3000).map { index in
            index <= 2000
                ? "{\"id\": \(index), \"name\": \"n\(index * 7919 % 10007)\"}"
                : "{\"id\": \(index), \"name\": \"n\(index * 7919 % 10007)\", \"note\": \"x\(index % 13)\"}"
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        let reader = try JSONLinesReader(path: input.path, batchRows: 100)
        var stager = Stager(
            store: try FileStore(root: folder.appendingPathComponent("stage")), prefix: "p/",
            partSize: 4 * 1024, gzipLevel: 1, uploadConcurrency: 2, nullMarker: .emptyField,
            pinnedTypes: [:], membership: PartitionMembership(nil))
        let chunks = ChunkLog()
        stager.chunkSink = { chunks.add($0) }
        let result = try await stager.stage(.reading { try reader.next() })
        let all = chunks.all
        #expect(result.rowCount == 3000)
        let withRows = all.filter { $0.rows > 0 }
        try #require(withRows.count == 30)
        var rows: [String: Int] = [:]
        var bytes: [String: Int] = [:]
        for chunk in all {
            rows[chunk.key, default: 0] += chunk.rows
            bytes[chunk.key, default: 0] += chunk.bytes
        }
        #expect(result.parts.count >= 4 && result.parts.count < 30, "\(result.parts.count) parts")
        #expect(rows == Dictionary(uniqueKeysWithValues: result.parts.map { ($0.key, $0.rowCount) }))
        #expect(bytes == Dictionary(uniqueKeysWithValues: result.parts.map { ($0.key, $0.uncompressedByteCount) }))
        // The part cut where `note` appears ends without a batch saying so: the COPY sees the new column.
        let widths = withRows.map(\.columns)
        #expect(widths.prefix(20).allSatisfy { $0 == 2 } && widths.dropFirst(20).allSatisfy { $0 == 3 })
        let cut = withRows[19].key
        #expect(withRows[20].key != cut)
        let ended = Set(all.filter(\.endsPart).map(\.key))
        #expect(ended.union([cut]) == Set(result.parts.map(\.key)))
        #expect(all.last.map { $0.rows == 0 && $0.endsPart && $0.key == result.parts.last?.key } == true)
    }
}

/// A thread-safe running total, for callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    func add(_ amount: Int) {
        lock.withLock { total += amount }
    }

    var value: Int {
        lock.withLock { total }
    }
}

/// The batches a stager handed to its chunk sink: part key, rows, CSV bytes, whether it ended the
/// part, and how many columns it has.
final class ChunkLog: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [(key: String, rows: Int, bytes: Int, endsPart: Bool, columns: Int)] = []

    func add(_ chunk: CopyChunk) {
        lock.withLock {
            chunks.append((chunk.partKey, chunk.rowCount, chunk.csv.count, chunk.endsPart, chunk.columns.count))
        }
    }

    var all: [(key: String, rows: Int, bytes: Int, endsPart: Bool, columns: Int)] {
        lock.withLock { chunks }
    }
}
