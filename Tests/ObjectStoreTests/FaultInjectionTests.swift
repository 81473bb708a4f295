import Digest
import Foundation
import TestSupport
import Testing

@testable import ObjectStore

/// Puts, multipart parts and gets through a proxy that answers 503 SlowDown twice and then resets
/// the connection once for every request: all must succeed, each after exactly 4 attempts. A 403
/// must not be retried at all.
@Suite("Retries through a fault-injecting proxy", .serialized, .timeLimit(.minutes(5)))
struct FaultInjectionTests {
    /// The proxy process (Tests/Fixtures/objectstore/fault_proxy.py) in front of the test S3 server.
    final class FaultProxy {
        private let running: FaultProxyProcess
        var port: Int { running.port }

        init(upstreamHost: String, upstreamPort: Int) throws {
            running = try FaultProxyProcess(upstreamHost: upstreamHost, upstreamPort: upstreamPort)
        }

        struct Stats: Decodable {
            var attempts: [String: Int]
            var ranges: [String: [String]]
        }

        /// Attempts per request line (`METHOD /path?query`), and the Range header of each.
        func stats() throws -> Stats {
            let data = try S3StoreTests.curl(["-sS", "http://127.0.0.1:\(port)/__stats"])
            return try JSONDecoder().decode(Stats.self, from: Data(data))
        }

        func attempts() throws -> [String: Int] {
            try stats().attempts
        }
    }

    static func storeThroughProxy(
        _ s3: TestS3, _ proxy: FaultProxy, secret: String? = nil,
        _ tune: (inout S3Configuration) -> Void = { _ in }
    ) throws -> S3Store {
        var credentials = s3.credentials
        if let secret { credentials.secretAccessKey = secret }
        var configuration = try S3Configuration(
            bucket: s3.bucket, region: s3.region, credentials: credentials,
            endpoint: "http://127.0.0.1:\(proxy.port)")
        configuration.retry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40))
        tune(&configuration)
        return S3Store(configuration)
    }

    @Test("puts, multipart parts and gets succeed after SlowDown, SlowDown, reset")
    func retriesSucceed() async throws {
        let s3 = try TestS3()
        let proxy = try FaultProxy(upstreamHost: s3.host, upstreamPort: s3.port ?? 80)
        let store = try Self.storeThroughProxy(s3, proxy) { configuration in
            configuration.multipartThreshold = 6 * 1024 * 1024
            configuration.partSize = 5 * 1024 * 1024
        }
        let prefix = TestS3.uniquePrefix("faults") + "faults/"

        let small = Array("small object through faults\n".utf8)
        try await store.put(prefix + "small.txt", body: .bytes(small))
        #expect(try await store.getBytes(prefix + "small.txt") == small)

        let big = S3StoreTests.pattern(12 * 1024 * 1024, seed: 3)
        let info = try await store.put(prefix + "big.bin", body: .bytes(big))
        #expect(info.size == Int64(big.count))
        #expect(SHA256.hash(try await store.getBytes(prefix + "big.bin")) == SHA256.hash(big))

        let attempts = try proxy.attempts().filter { $0.key.contains("/faults/") }
        let puts = attempts.filter { $0.key.hasPrefix("PUT ") }
        let partPuts = puts.filter { $0.key.contains("partNumber=") }
        #expect(partPuts.count == 3)
        #expect(puts.count == 4)
        #expect(attempts.filter { $0.key.hasPrefix("POST ") }.count == 2)  // create and complete
        #expect(attempts.filter { $0.key.hasPrefix("GET ") }.count == 2)
        for (request, count) in attempts {
            #expect(count == 4, "\(request) took \(count) attempts")
        }
        try await store.delete(prefix + "small.txt")
        try await store.delete(prefix + "big.bin")
    }

    @Test("a download cut off midway resumes where it stopped, from the same version")
    func resumedDownload() async throws {
        let s3 = try TestS3()
        let proxy = try FaultProxy(upstreamHost: s3.host, upstreamPort: s3.port ?? 80)
        let store = try Self.storeThroughProxy(s3, proxy)
        let key = TestS3.uniquePrefix("resume") + "cut/object.bin"
        let body = S3StoreTests.pattern(3 * 1024 * 1024 + 11, seed: 5)
        try await store.put(key, body: .bytes(body))
        let collected = ByteCollector()
        let info = try await store.get(key, range: nil) { collected.append($0) }
        #expect(collected.bytes == body)
        #expect(info.size == Int64(body.count))
        let stats = try proxy.stats()
        let gets = stats.ranges.filter { $0.key.hasPrefix("GET ") && $0.key.contains("cut/object.bin") }
        #expect(gets.count == 1)
        let ranges = gets.values.first ?? []
        #expect(ranges.count == 2)
        #expect(ranges.first == "")
        // The second attempt asks for the rest: from the first byte not received (the reset drops
        // whatever the kernel still held, so that is somewhere before the half the proxy sent).
        let resumedAt = ranges.last.flatMap { Int($0.dropFirst("bytes=".count).dropLast()) }
        #expect(ranges.last?.hasPrefix("bytes=") == true && ranges.last?.hasSuffix("-") == true)
        #expect(resumedAt.map { $0 > 0 && $0 <= body.count / 2 } == true)
        try await store.delete(key)
    }

    @Test("a 403 is not retried")
    func forbiddenIsNotRetried() async throws {
        let s3 = try TestS3()
        let proxy = try FaultProxy(upstreamHost: s3.host, upstreamPort: s3.port ?? 80)
        let store = try Self.storeThroughProxy(s3, proxy, secret: "not-the-secret")
        let key = TestS3.uniquePrefix("forbidden") + "passthrough/object"
        let error = try await #require(throws: ObjectStoreError.self) {
            try await store.put(key, body: .bytes([1, 2, 3]))
        }
        #expect(error.s3Code == "SignatureDoesNotMatch")
        let attempts = try proxy.attempts().filter { $0.key.contains("passthrough/object") }
        #expect(attempts.values.reduce(0, +) == 1)
    }

    @Test("a multipart upload whose every CreateMultipartUpload answer is lost leaves no upload behind")
    func lostCreateAnswers() async throws {
        let s3 = try TestS3()
        let proxy = try FaultProxy(upstreamHost: s3.host, upstreamPort: s3.port ?? 80)
        let store = try Self.storeThroughProxy(s3, proxy) { configuration in
            configuration.multipartThreshold = 1
            configuration.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))
        }
        let key = TestS3.uniquePrefix("lost") + "lost/object.bin"
        let error = try await #require(throws: ObjectStoreError.self) {
            try await store.put(key, body: .bytes(Array("created three times, never heard of".utf8)))
        }
        #expect(error.operation == "CreateMultipartUpload")
        let creates = try proxy.attempts().filter {
            $0.key.hasPrefix("POST ") && $0.key.contains("lost/object.bin?uploads")
        }
        #expect(creates.values.reduce(0, +) == 3, "every attempt reached S3 and created an upload: \(creates)")
        #expect(
            try await s3.store().incompleteUploads(prefix: key).isEmpty,
            "the uploads the lost answers created are aborted")
    }

    @Test("a CreateMultipartUpload answer lost on a kept-alive connection is not replayed unseen by curl")
    func lostAnswerOnReusedConnection() async throws {
        let s3 = try TestS3()
        let proxy = try FaultProxy(upstreamHost: s3.host, upstreamPort: s3.port ?? 80)
        // One transfer thread: one curl handle, so the create goes over the connection the first put used.
        let store = try Self.storeThroughProxy(s3, proxy) { configuration in
            configuration.concurrency = 1
            configuration.multipartThreshold = 64
        }
        let prefix = TestS3.uniquePrefix("lostonce")
        try await store.put(prefix + "warm.txt", body: .bytes(Array("opens the connection".utf8)))
        #expect(try await store.head(prefix + "warm.txt") != nil)
        let key = prefix + "lostonce/object.bin"
        let body = S3StoreTests.pattern(1000, seed: 8)
        try await store.put(key, body: .bytes(body))
        #expect(try await store.getBytes(key) == body)
        let creates = try proxy.attempts().filter {
            $0.key.hasPrefix("POST ") && $0.key.contains("lostonce/object.bin?uploads")
        }
        #expect(creates.values.reduce(0, +) == 2, "the lost create and its retry: \(creates)")
        // The upload the lost answer created is found and aborted (a silent replay by curl would hide it).
        #expect(try await s3.store().incompleteUploads(prefix: key).isEmpty)
        try await store.delete(key)
        try await store.delete(prefix + "warm.txt")
    }

    @Test("a multipart upload cancelled midway (a sibling failed, the load stopped) is still aborted")
    func cancelledUploadIsAborted() async throws {
        let s3 = try TestS3()
        let store = try s3.store { configuration in
            configuration.multipartThreshold = 5 * 1024 * 1024
            configuration.partSize = 5 * 1024 * 1024
        }
        let key = TestS3.uniquePrefix("cancel") + "cancelled.bin"
        // 6 MiB, then nothing: the first part goes up and the upload waits for the rest.
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        continuation.yield(S3StoreTests.pattern(6 * 1024 * 1024, seed: 4))
        let upload = Task { try await store.put(key, body: .chunks(stream)) }
        var started = false
        for _ in 0..<200 where !started {
            try await Task.sleep(for: .milliseconds(50))
            started = try await !store.incompleteUploads(prefix: key).isEmpty
        }
        #expect(started, "the upload began")
        upload.cancel()
        let result = await upload.result
        #expect(throws: (any Error).self) { try result.get() }
        #expect(try await store.head(key) == nil, "nothing was stored")
        #expect(try await store.incompleteUploads(prefix: key).isEmpty, "the cancelled upload was aborted")
        continuation.finish()
    }

    @Test("a failed multipart upload is aborted, leaving no incomplete upload")
    func failedMultipartIsAborted() async throws {
        let s3 = try TestS3()
        let store = try s3.store { configuration in
            configuration.multipartThreshold = 5 * 1024 * 1024
            configuration.partSize = 5 * 1024 * 1024
        }
        let key = TestS3.uniquePrefix("abort") + "broken.bin"
        struct SourceBroke: Error {}
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            continuation.yield(S3StoreTests.pattern(6 * 1024 * 1024))
            continuation.yield(S3StoreTests.pattern(6 * 1024 * 1024, seed: 9))
            continuation.finish(throwing: SourceBroke())
        }
        // The listing of incomplete uploads sees one when there is one (so its emptiness below means something).
        let control = TestS3.uniquePrefix("abort") + "control.bin"
        let created = try await store.send(
            "CreateMultipartUpload", method: "POST", key: control, query: [.init("uploads")])
        let controlID = try #require(
            XMLText.firstElement("UploadId", in: String(decoding: created.body, as: UTF8.self)))
        #expect(try await store.incompleteUploads(prefix: control).map(\.uploadID) == [controlID])
        await store.abortMultipartUpload(control, uploadID: controlID)
        #expect(try await store.incompleteUploads(prefix: control).isEmpty)

        await #expect(throws: SourceBroke.self) { try await store.put(key, body: .chunks(stream)) }
        #expect(try await store.incompleteUploads(prefix: key).isEmpty)
        #expect(try await store.head(key) == nil)
    }
}
