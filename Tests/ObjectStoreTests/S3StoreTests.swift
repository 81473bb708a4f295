import Digest
import Foundation
import Testing

@testable import ObjectStore

@Suite("S3Store against the signature-checking server", .timeLimit(.minutes(5)))
struct S3StoreTests {
    static func pattern(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        var state = UInt32(seed) &* 2_654_435_761
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    @Test(
        "awkward keys round-trip byte-exact",
        arguments: [
            "with space/and more spaces.csv", "plus+sign", "equals=sign", "percent%20literal", "tilde~x",
            "ünïcödé/日本語/🚀.gz", "deep/a/b/c/d/e/f/g/h/part-00001.csv.gz", "comma,colon:semi;amp&q?hash#",
            "dot/./segment/../kept", "double//slash",
        ])
    func awkwardKeys(name: String) async throws {
        let s3 = try TestS3()
        let store = try s3.store()
        let key = TestS3.uniquePrefix("keys") + name
        let body = Self.pattern(10_000)
        let info = try await store.put(key, body: .bytes(body))
        #expect(info.size == 10_000)
        #expect(try await store.getBytes(key) == body)
        #expect(try await store.head(key)?.size == 10_000)
        #expect(try await store.listKeys(prefix: key) == [key])
        try await store.delete(key)
        #expect(try await store.head(key) == nil)
    }

    @Test("a 0-byte object round-trips")
    func emptyObject() async throws {
        let store = try TestS3().store()
        let key = TestS3.uniquePrefix("empty") + "nothing"
        try await store.put(key, body: .bytes([]))
        #expect(try await store.head(key)?.size == 0)
        #expect(try await store.getBytes(key) == [])
        try await store.delete(key)
    }

    @Test("a byte range returns exactly those bytes")
    func range() async throws {
        let store = try TestS3().store()
        let key = TestS3.uniquePrefix("range") + "object"
        let body = Self.pattern(100_000)
        try await store.put(key, body: .bytes(body))
        #expect(try await store.getBytes(key, range: ByteRange(first: 10, last: 19)) == Array(body[10...19]))
        #expect(try await store.getBytes(key, range: ByteRange(first: 99_990)) == Array(body[99_990...]))
        try await store.delete(key)
    }

    @Test("40 MiB goes up in 8 MiB parts, 4 at a time, and comes back byte-exact")
    func multipart() async throws {
        let s3 = try TestS3()
        let store = try s3.store { configuration in
            configuration.multipartThreshold = 8 * 1024 * 1024
            configuration.partSize = 8 * 1024 * 1024
            configuration.concurrency = 4
        }
        let key = TestS3.uniquePrefix("multipart") + "big.bin"
        let body = Self.pattern(40 * 1024 * 1024 + 123)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mp-\(UUID().uuidString)")
        try Data(body).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let info = try await store.put(key, body: .file(path: file.path))
        #expect(info.size == Int64(body.count))
        // A multipart ETag is "<md5 of part md5s>-<part count>".
        #expect(info.etag?.hasSuffix("-6") == true)
        #expect(try await store.head(key)?.size == Int64(body.count))
        let back = try await store.getBytes(key)
        #expect(back.count == body.count)
        #expect(SHA256.hash(back) == SHA256.hash(body))

        // The same through a stream of uneven chunks.
        let streamed = key + ".streamed"
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            var offset = 0
            while offset < body.count {
                let end = min(offset + 3_000_017, body.count)
                continuation.yield(Array(body[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
        let streamedInfo = try await store.put(streamed, body: .chunks(stream))
        #expect(streamedInfo.size == Int64(body.count))
        #expect(SHA256.hash(try await store.getBytes(streamed)) == SHA256.hash(body))
        #expect(try await store.incompleteUploads(prefix: key).isEmpty)

        // Each part went up with its CRC-32: the server keeps the composite checksum, the CRC-32
        // of the parts' CRC-32s, with the part count.
        var partChecksums: [UInt8] = []
        for start in stride(from: 0, to: body.count, by: 8 * 1024 * 1024) {
            let value = CRC32.checksum(Array(body[start..<min(start + 8 * 1024 * 1024, body.count)])).value
            partChecksums += [
                UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
            ]
        }
        for object in [key, streamed] {
            let head = try await store.send(
                "HeadObject", method: "HEAD", key: object,
                headers: [("x-amz-checksum-mode", "ENABLED")])
            // S3 appends the part count ("-6"); moto leaves it off.
            let composite = CRC32.checksum(partChecksums).base64
            #expect([composite, "\(composite)-6"].contains(head.header("x-amz-checksum-crc32") ?? ""), "\(object)")
        }
        try await store.delete(key)
        try await store.delete(streamed)
    }

    @Test("CRC-32 is zlib's: known values, in pieces or whole, as S3 spells it")
    func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)).value == 0xCBF4_3926)
        #expect(CRC32.checksum([]).value == 0)
        var pieces = CRC32()
        pieces.update(Array("1234".utf8))
        pieces.update(Array("56789".utf8))
        #expect(pieces == CRC32.checksum(Array("123456789".utf8)))
        #expect(CRC32.checksum(Array("123456789".utf8)).base64 == "y/Q5Jg==")
    }

    @Test("list over 2,500 keys with pages of 100 gives each key once; deleteMany leaves none")
    func listAndDeleteMany() async throws {
        let store = try TestS3().store { $0.listPageSize = 100 }
        let prefix = TestS3.uniquePrefix("list")
        let keys = (0..<2_500).map { "\(prefix)k \($0 % 7)/obj+\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.enumerated() {
                if index >= 16 { try await group.next() }
                group.addTask { try await store.put(key, body: .bytes(Array("\(index)".utf8))) }
            }
            try await group.waitForAll()
        }
        let listed = try await store.listKeys(prefix: prefix)
        #expect(listed.count == 2_500)
        #expect(Set(listed) == Set(keys))
        #expect(listed == listed.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })

        let report = try await store.deleteMany(keys)
        #expect(report.failed.isEmpty)
        #expect(report.deleted.count == 2_500)
        #expect(try await store.listKeys(prefix: prefix).isEmpty)
    }

    @Test("a wrong secret names SignatureDoesNotMatch and the request id, never the secret")
    func wrongSecret() async throws {
        let s3 = try TestS3()
        let secret = "Wrong+Secret/\(UInt32.random(in: 0...UInt32.max))"
        let store = try s3.store(secret: secret)
        let error = try await #require(throws: ObjectStoreError.self) {
            try await store.put("tests/never-stored", body: .bytes([1, 2, 3]))
        }
        #expect(error.s3Code == "SignatureDoesNotMatch")
        #expect(error.httpStatus == 403)
        #expect(error.requestID?.isEmpty == false)
        #expect(error.operation == "PutObject")
        #expect(error.key == "tests/never-stored")
        #expect(!error.description.contains(secret))
        #expect(!String(reflecting: error).contains(secret))
        #expect(error.description.contains("SignatureDoesNotMatch"))
    }

    @Test("a missing bucket gives NoSuchBucket")
    func missingBucket() async throws {
        let store = try TestS3().store(bucket: "no-such-bucket-\(UInt32.random(in: 0...UInt32.max))")
        let error = try await #require(throws: ObjectStoreError.self) {
            try await store.put("key", body: .bytes([1]))
        }
        #expect(error.s3Code == "NoSuchBucket")
        #expect(error.httpStatus == 404)
        #expect(!error.isTransient)
    }

    @Test("head in a missing bucket says NoSuchBucket, not 'no object'")
    func headMissingBucket() async throws {
        let store = try TestS3().store(bucket: "no-such-bucket-\(UInt32.random(in: 0...UInt32.max))")
        let error = try await #require(throws: ObjectStoreError.self) { try await store.head("key") }
        #expect(error.s3Code == "NoSuchBucket")
    }

    @Test("cancelling the task stops a download in flight")
    func cancelledDownload() async throws {
        let store = try TestS3().store()
        let key = TestS3.uniquePrefix("cancel") + "slow.bin"
        try await store.put(key, body: .bytes(Self.pattern(8 * 1024 * 1024)))
        let received = ByteCollector()
        let task = Task {
            try await store.get(key, range: nil) { bytes in
                received.append(bytes)
                usleep(20_000)
            }
        }
        // Cancelled once bytes arrive, so the download is in flight.
        for _ in 0..<1_000 where received.count == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(received.count > 0, "the download began")
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(received.count < 8 * 1024 * 1024)
        try await store.delete(key)
    }

    @Test("only connection failures are transient among transport errors")
    func transientTransportFailures() {
        func failure(_ curlCode: Int) -> ObjectStoreError {
            ObjectStoreError(code: .transportFailure, message: "x", curlCode: curlCode)
        }
        #expect(failure(7).isTransient)  // could not connect
        #expect(failure(28).isTransient)  // timed out
        #expect(failure(56).isTransient)  // connection reset while receiving
        #expect(!failure(6).isTransient)  // could not resolve the host
        #expect(!failure(60).isTransient)  // certificate not trusted
        #expect(!failure(3).isTransient)  // malformed URL
        #expect(!ObjectStoreError(code: .transportFailure, message: "curl_easy_init failed").isTransient)
    }

    @Test("a missing key gives NoSuchKey on get and nil on head; delete of it is fine")
    func missingKey() async throws {
        let store = try TestS3().store()
        let key = TestS3.uniquePrefix("missing") + "nothing-here"
        let error = try await #require(throws: ObjectStoreError.self) { try await store.getBytes(key) }
        #expect(error.s3Code == "NoSuchKey")
        #expect(try await store.head(key) == nil)
        try await store.delete(key)
    }

    @Test("a presigned GET URL is accepted by the server when fetched with plain curl")
    func presignedURL() async throws {
        let store = try TestS3().store()
        let key = TestS3.uniquePrefix("presigned") + "report 1.csv"
        let body = Array("id,name\n1,ünï\n".utf8)
        try await store.put(key, body: .bytes(body))
        let url = try store.presignedURL(key, expires: .seconds(300))
        let fetched = try Self.curl(["-sS", "-f", url])
        #expect(fetched == body)
        // Tampering with the signed key is refused.
        let tampered = url.replacingOccurrences(of: "report%201", with: "report%202")
        #expect(throws: (any Error).self) { try Self.curl(["-sS", "-f", tampered]) }
        try await store.delete(key)
    }

    static func curl(_ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct CurlFailed: Error { var status: Int32 }
        guard process.terminationStatus == 0 else { throw CurlFailed(status: process.terminationStatus) }
        return Array(data)
    }
}

@Suite("S3 answers read without a server", .timeLimit(.minutes(5)))
struct S3AnswerParsingTests {
    @Test("a DeleteObjects answer reports each refused key with its code and message")
    func deleteResult() {
        let answer = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Error><Key>locked/a&amp;b.csv</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
              <Error><Key>locked/c</Key><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>
            </DeleteResult>
            """
        let report = S3Store.deleteResult(answer, requested: ["ok/1", "locked/a&b.csv", "locked/c", "ok/2"])
        #expect(report.deleted == ["ok/1", "ok/2"])
        #expect(
            report.failed == [
                .init(key: "locked/a&b.csv", code: "AccessDenied", message: "Access Denied"),
                .init(key: "locked/c", code: "InternalError", message: "We encountered an internal error."),
            ])
    }

    @Test("an error document gives code, message and request id; a bodiless 404 is NotFound")
    func errorDocument() {
        let body = Array(
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>R1</RequestId></Error>"
                .utf8)
        let error = ObjectStoreError(
            response: HTTPResponse(status: 404, headers: [], body: body),
            operation: "GetObject", bucket: "b", key: "k")
        #expect(error.s3Code == "NoSuchKey")
        #expect(error.requestID == "R1")
        #expect(
            error.description
                == "GetObject failed for s3://b/k: NoSuchKey: The specified key does not exist. (HTTP 404) [request id R1]"
        )
        let head = ObjectStoreError(
            response: HTTPResponse(status: 404, headers: [.init(name: "x-amz-request-id", value: "R2")], body: []),
            operation: "HeadObject", bucket: "b", key: "k")
        #expect(head.s3Code == "NotFound")
        #expect(head.requestID == "R2")
    }

    @Test("listed keys decode from S3's url encoding")
    func listedKeys() {
        #expect(S3Store.decodeListedKey("a+b%2Bc%3Dd/%C3%BC") == "a b+c=d/ü")
    }
}
