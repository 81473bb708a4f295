import Blocking
import Digest
import Foundation
import Logging

/// The `ObjectStore` over S3 and S3-compatible servers: every request signed with SigV4 (the
/// payload's real SHA-256), sent with libcurl, retried with backoff when S3 says it may be.
public final class S3Store: ObjectStore {
    public let configuration: S3Configuration
    let transport: CurlTransport
    let logger: Logger
    /// The signing clock; tests may move it.
    let now: @Sendable () -> Date

    public init(
        _ configuration: S3Configuration, logger: Logger = Logger(label: "stevedore.objectstore"),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.transport = CurlTransport(concurrency: configuration.concurrency + 1, options: configuration.transfer)
        self.logger = logger
        self.now = now
        if configuration.transfer.insecureSkipTLSVerification {
            logger.info(
                "TLS certificate verification is OFF for \(configuration.host): anyone on the path can read and change the stage"
            )
        }
    }

    public var location: String { "s3://\(configuration.bucket)" }

    var signer: SigV4Signer {
        SigV4Signer(credentials: configuration.credentials, region: configuration.region)
    }

    // MARK: Single requests with retries

    /// One S3 operation, retried while the failure is transient and attempts remain. The request is
    /// signed anew for each attempt. `body` must be re-readable, which every `RequestBody` is.
    @discardableResult
    func send(
        _ operation: String, method: String, key: String, query: [HTTPRequest.QueryItem] = [],
        headers: [(name: String, value: String)] = [], body: RequestBody = .none,
        payload: SigV4Signer.Payload = .empty, sink: ResponseSink = .collect,
        retry: RetryPolicy? = nil
    ) async throws -> HTTPResponse {
        let policy = retry ?? configuration.retry
        var attempt = 1
        while true {
            var request = configuration.request(method, key: key, query: query)
            request.headers = headers
            signer.sign(&request, payload: payload, date: now())
            let failure: ObjectStoreError
            do {
                let response = try await transport.perform(request, body: body, sink: sink)
                if (200..<300).contains(response.status) {
                    return response
                }
                failure = ObjectStoreError(
                    response: response, operation: operation, bucket: configuration.bucket,
                    key: key.isEmpty ? nil : key)
            } catch var error as ObjectStoreError {
                error.operation = error.operation ?? operation
                error.bucket = error.bucket ?? configuration.bucket
                error.key = error.key ?? (key.isEmpty ? nil : key)
                failure = error
            }
            guard failure.isTransient, attempt < policy.maxAttempts else {
                throw failure
            }
            let delay = policy.delay(after: attempt, throttled: failure.s3Code == "SlowDown")
            logger.debug(
                "retrying \(operation) after \(failure.s3Code ?? failure.code.name)",
                metadata: ["attempt": "\(attempt)", "delay": "\(delay)", "key": "\(key)"])
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    static func validate(_ key: String) throws {
        guard !key.isEmpty else {
            throw ObjectStoreError(code: .invalidRequest, message: "an object key cannot be empty")
        }
        guard key.utf8.count <= 1024 else {
            throw ObjectStoreError(code: .invalidRequest, message: "an object key is at most 1,024 bytes", key: key)
        }
    }

    static func etag(_ response: HTTPResponse) -> String? {
        response.header("ETag").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    // MARK: ObjectStore

    @discardableResult
    public func put(_ key: String, body: ObjectBody) async throws -> ObjectInfo {
        try Self.validate(key)
        switch body {
        case .bytes(let bytes, let sha256):
            if bytes.count > configuration.multipartThreshold {
                return try await multipartUpload(key, source: .bytes(bytes))
            }
            return try await putSingle(
                key, body: .bytes(bytes), size: Int64(bytes.count),
                sha256: sha256 ?? SHA256.hash(bytes).hex)
        case .file(let path, let sha256):
            let size = try FileRange.size(of: path)
            if size > configuration.multipartThreshold {
                return try await multipartUpload(key, source: .file(path: path, size: size))
            }
            let range = FileRange(path: path, offset: 0, length: size)
            let hash = try sha256 ?? range.sha256()
            return try await putSingle(key, body: .file(path: path, offset: 0, length: size), size: size, sha256: hash)
        case .chunks(let stream):
            return try await putStream(key, stream)
        }
    }

    func putSingle(_ key: String, body: RequestBody, size: Int64, sha256: String) async throws -> ObjectInfo {
        let response = try await send("PutObject", method: "PUT", key: key, body: body, payload: .sha256(sha256))
        return ObjectInfo(key: key, size: size, etag: Self.etag(response))
    }

    @discardableResult
    public func get(
        _ key: String, range: ByteRange? = nil,
        to sink: @escaping @Sendable ([UInt8]) throws -> Void
    ) async throws -> ObjectInfo {
        try Self.validate(key)
        // A retry after part of the body arrived asks only for the rest, of the same object version
        // (If-Match on its ETag), and accepts only a 206 starting exactly there: the sink sees
        // each byte once, all from one version.
        let resume = ResumeState()
        let counted: @Sendable ([UInt8]) throws -> Void = { bytes in
            try sink(bytes)
            resume.add(bytes.count)
        }
        let policy = configuration.retry
        var attempt = 1
        while true {
            let delivered = resume.delivered
            let start = (range?.first ?? 0) + delivered
            var headers: [(name: String, value: String)] = []
            if range != nil || delivered > 0 {
                headers.append(("Range", ByteRange(first: start, last: range?.last).headerValue))
            }
            if delivered > 0, let etag = resume.etag {
                headers.append(("If-Match", "\"\(etag)\""))
            }
            let check: @Sendable (Int, [HTTPHeaderField]) throws -> Void = { status, headers in
                let response = HTTPResponse(status: status, headers: headers, body: [])
                guard delivered > 0 else {
                    resume.etag = Self.etag(response)
                    return
                }
                let contentRange = response.header("Content-Range") ?? ""
                guard status == 206, contentRange.hasPrefix("bytes \(start)-") else {
                    throw ObjectStoreError(
                        code: .invalidResponse,
                        message: "resuming at byte \(start), the server answered \(status) \(contentRange)",
                        operation: "GetObject", bucket: self.configuration.bucket, key: key)
                }
            }
            do {
                let response = try await send(
                    "GetObject", method: "GET", key: key, headers: headers,
                    sink: .handler(counted, checkHeaders: check), retry: RetryPolicy.none)
                let size =
                    response.header("Content-Range").flatMap { $0.split(separator: "/").last }
                    .flatMap { Int64($0) } ?? response.header("Content-Length").flatMap { Int64($0) }
                    ?? resume.delivered
                return ObjectInfo(key: key, size: size, etag: Self.etag(response) ?? resume.etag)
            } catch let error as ObjectStoreError where error.isTransient && attempt < policy.maxAttempts {
                let delay = policy.delay(after: attempt, throttled: error.s3Code == "SlowDown")
                logger.debug(
                    "retrying GetObject after \(error.s3Code ?? error.code.name)",
                    metadata: ["attempt": "\(attempt)", "received": "\(resume.delivered)"])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    public func head(_ key: String) async throws -> ObjectInfo? {
        try Self.validate(key)
        do {
            let response = try await send("HeadObject", method: "HEAD", key: key)
            return ObjectInfo(
                key: key, size: response.header("Content-Length").flatMap { Int64($0) } ?? 0,
                etag: Self.etag(response))
        } catch let error as ObjectStoreError where error.httpStatus == 404 {
            // A HEAD answer has no body: tell a missing object from a missing bucket.
            try await checkBucketExists()
            return nil
        }
    }

    /// Throws `NoSuchBucket` when the bucket is not there.
    func checkBucketExists() async throws {
        do {
            try await send("HeadBucket", method: "HEAD", key: "")
        } catch var error as ObjectStoreError where error.httpStatus == 404 {
            error.s3Code = "NoSuchBucket"
            error.message = "The specified bucket does not exist"
            throw error
        }
    }

    public func delete(_ key: String) async throws {
        try Self.validate(key)
        do {
            try await send("DeleteObject", method: "DELETE", key: key)
        } catch let error as ObjectStoreError where error.httpStatus == 404 && error.s3Code == "NoSuchKey" {
            return
        }
    }

    /// A presigned URL for `method` on `key`, valid for `expires` (at most 7 days).
    public func presignedURL(_ key: String, method: String = "GET", expires: Duration) throws -> String {
        try Self.validate(key)
        return try signer.presignedURL(configuration.request(method, key: key), expires: expires, date: now())
    }
}

/// What a download has received so far, shared with the transfer thread: the byte count and the
/// ETag of the version being read.
final class ResumeState: Sendable {
    private let state = LockedBox((count: Int64(0), tag: String?.none))

    func add(_ bytes: Int) {
        state.withLock { $0.count += Int64(bytes) }
    }

    var delivered: Int64 { state.withLock { $0.count } }

    var etag: String? {
        get { state.withLock { $0.tag } }
        set { state.withLock { $0.tag = newValue } }
    }
}
