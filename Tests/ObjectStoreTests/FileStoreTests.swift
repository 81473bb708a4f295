import Foundation
import Testing

@testable import ObjectStore

@Suite("FileStore over a local folder")
struct FileStoreTests {
    static func temporaryStore() throws -> FileStore {
        try FileStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)"))
    }

    @Test("objects round-trip byte-exact under awkward keys, and list in key order")
    func roundTrip() async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let keys = ["b/with space.csv", "a/ünï/🚀.gz", "a/plus+eq=pct%", "c", "a/empty"]
        for (index, key) in keys.enumerated() {
            let body = key == "a/empty" ? [] : S3StoreTests.pattern(5_000 + index)
            let info = try await store.put(key, body: .bytes(body))
            #expect(info.size == Int64(body.count))
            #expect(try await store.getBytes(key) == body)
        }
        #expect(
            try await store.listKeys(prefix: "") == [
                "a/empty", "a/plus+eq=pct%", "a/ünï/🚀.gz", "b/with space.csv", "c",
            ])
        #expect(try await store.listKeys(prefix: "a/") == ["a/empty", "a/plus+eq=pct%", "a/ünï/🚀.gz"])
        #expect(try await store.head("a/empty")?.size == 0)
        #expect(
            try await store.getBytes("c", range: ByteRange(first: 2, last: 5))
                == Array(S3StoreTests.pattern(5_003)[2...5]))
        let report = try await store.deleteMany(keys)
        #expect(report.deleted.count == keys.count)
        #expect(try await store.listKeys(prefix: "").isEmpty)
    }

    @Test("a file body and a chunk stream are copied whole")
    func fileAndStream() async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let body = S3StoreTests.pattern(3 * 1024 * 1024 + 5)
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("src-\(UUID().uuidString)")
        try Data(body).write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        try await store.put("from-file", body: .file(path: source.path))
        #expect(try await store.getBytes("from-file") == body)
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            continuation.yield(Array(body[..<1000]))
            continuation.yield(Array(body[1000...]))
            continuation.finish()
        }
        try await store.put("from-stream", body: .chunks(stream))
        #expect(try await store.getBytes("from-stream") == body)
    }

    @Test("a write that fails leaves neither the object nor a temporary file")
    func atomicWrite() async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        try await store.put("part", body: .bytes([1, 2, 3]))
        struct Broke: Error {}
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            continuation.yield([9, 9, 9, 9])
            continuation.finish(throwing: Broke())
        }
        await #expect(throws: Broke.self) { try await store.put("part", body: .chunks(stream)) }
        #expect(try await store.getBytes("part") == [1, 2, 3])
        let temporary = store.root.appendingPathComponent(FileStore.temporaryFolder).path
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
        #expect(try await store.listKeys(prefix: "") == ["part"])
    }

    @Test(
        "keys that would leave the folder are refused",
        arguments: ["../escape", "/etc/passwd", "a/../../b", "a//b", "./a", ""])
    func traversal(key: String) async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let error = try await #require(throws: ObjectStoreError.self) { try await store.put(key, body: .bytes([1])) }
        #expect(error.code == .invalidRequest)
    }

    @Test("a key naming a folder is no object: delete leaves the folder's objects alone")
    func folderIsNotAnObject() async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        try await store.put("run1/part-00001.csv.gz", body: .bytes([1]))
        try await store.put("run1/part-00002.csv.gz", body: .bytes([2]))
        #expect(try await store.head("run1") == nil)
        try await store.delete("run1")
        let report = try await store.deleteMany(["run1"])
        #expect(report.failed.isEmpty)
        #expect(try await store.listKeys(prefix: "run1/") == ["run1/part-00001.csv.gz", "run1/part-00002.csv.gz"])
        #expect(throws: ObjectStoreError.self) {
            _ = try FileRange.size(of: store.root.appendingPathComponent("nope").path)
        }
    }

    @Test("a missing key is NoSuchKey on get and nil on head")
    func missing() async throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let error = try await #require(throws: ObjectStoreError.self) { try await store.getBytes("nope") }
        #expect(error.s3Code == "NoSuchKey")
        #expect(try await store.head("nope") == nil)
        try await store.delete("nope")
    }

    @Test("file:// URLs and plain paths both work")
    func urls() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FileStore(url: "file://\(path)").root.path == path)
        #expect(try FileStore(url: path).location == "file://\(path)/")
    }
}
