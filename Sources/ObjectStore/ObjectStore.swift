/// Where staged parts live: S3 (and S3-compatible servers) or a local folder. Keys are the full
/// object keys within the store's bucket or folder. Every call is async and streams: no body is
/// held whole in memory unless the caller hands over bytes.
public protocol ObjectStore: Sendable {
    /// Where the store points, for messages: `s3://bucket` or `file:///path`.
    var location: String { get }

    /// Stores `body` under `key`, replacing what was there. Large bodies go up in parts.
    @discardableResult
    func put(_ key: String, body: ObjectBody) async throws -> ObjectInfo

    /// Streams the object (or `range` of it) to `sink` as it arrives, in order, exactly once.
    /// `sink` runs on a transfer thread; a throw from it aborts the download.
    @discardableResult
    func get(_ key: String, range: ByteRange?, to sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws
        -> ObjectInfo

    /// The object's size and tag, or nil when there is no object under `key`.
    func head(_ key: String) async throws -> ObjectInfo?

    /// Every object whose key starts with `prefix`, in key order, fetched a page at a time.
    func list(prefix: String) -> AsyncThrowingStream<ObjectSummary, any Error>

    /// Removes the object under `key`; a missing object is not an error.
    func delete(_ key: String) async throws

    /// Removes many objects; what could not be removed is reported per key, not thrown.
    func deleteMany(_ keys: [String]) async throws -> DeleteReport
}

extension ObjectStore {
    /// The whole object in memory; for small objects (manifests, tests).
    public func getBytes(_ key: String, range: ByteRange? = nil) async throws -> [UInt8] {
        let buffer = ByteCollector()
        try await get(key, range: range) { buffer.append($0) }
        return buffer.bytes
    }

    /// Every key under `prefix`, collected.
    public func listKeys(prefix: String) async throws -> [String] {
        var keys: [String] = []
        for try await object in list(prefix: prefix) {
            keys.append(object.key)
        }
        return keys
    }
}

/// The body of a `put`: bytes in memory, a file read as it is sent, or a stream of chunks. Give the
/// SHA-256 (hex) when it is already known (the encoder computes it while writing a part).
public enum ObjectBody: Sendable {
    case bytes([UInt8], sha256: String? = nil)
    case file(path: String, sha256: String? = nil)
    /// Chunks of any size, buffered a part at a time: at most the store's concurrency plus one
    /// parts are held in memory.
    case chunks(AsyncThrowingStream<[UInt8], any Error>)
}

/// An inclusive byte range of an object, as HTTP's `Range: bytes=first-last`.
public struct ByteRange: Sendable, Hashable {
    public var first: Int64
    /// The last byte, or nil for "to the end".
    public var last: Int64?

    public init(first: Int64, last: Int64? = nil) {
        self.first = first
        self.last = last
    }

    var headerValue: String { "bytes=\(first)-\(last.map(String.init) ?? "")" }
}

/// What is known of a stored object.
public struct ObjectInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// The entity tag, quotes removed. Opaque: an MD5 only for some single-part uploads.
    public var etag: String?

    public init(key: String, size: Int64, etag: String?) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// One entry of a listing.
public struct ObjectSummary: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var etag: String?
    /// As the store reports it (ISO 8601 for S3).
    public var lastModified: String?

    public init(key: String, size: Int64, etag: String?, lastModified: String?) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// The outcome of `deleteMany`: the keys removed and, per key, the ones that were not.
public struct DeleteReport: Sendable, Hashable {
    /// A key the store refused to delete, with its reason.
    public struct Failure: Sendable, Hashable {
        public var key: String
        public var code: String
        public var message: String
    }

    public var deleted: [String] = []
    public var failed: [Failure] = []

    public init(deleted: [String] = [], failed: [Failure] = []) {
        self.deleted = deleted
        self.failed = failed
    }
}
