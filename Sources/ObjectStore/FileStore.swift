import Blocking
import Foundation

/// The `ObjectStore` over a local folder (`file://` stages): keys are paths below the root, writes
/// are atomic (a temporary file renamed into place), reads stream. The embedded default stage for
/// PostgreSQL targets when no S3 is configured. Every file system call after `init` (which makes
/// the folder) runs on `pool`.
public struct FileStore: ObjectStore {
    /// The folder objects live in.
    public let root: URL
    /// Where the reads, writes, syncs and walks of the folder run.
    public let pool: BlockingPool
    /// Temporary files of writes in progress; never listed.
    static let temporaryFolder = ".stevedore-tmp"

    /// A store rooted at `root`, created if missing.
    public init(root: URL, pool: BlockingPool = .shared) throws {
        self.root = root.standardizedFileURL
        self.pool = pool
        do {
            try FileManager.default.createDirectory(
                at: self.root.appendingPathComponent(Self.temporaryFolder),
                withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(
                code: .invalidRequest,
                message: "cannot create the stage folder \(root.path): \(error.localizedDescription)")
        }
    }

    /// A store for a `file://` URL or a plain path.
    public init(url: String, pool: BlockingPool = .shared) throws {
        let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        try self.init(root: URL(fileURLWithPath: path.isEmpty ? "." : path), pool: pool)
    }

    public var location: String { root.absoluteString }

    /// The local file that holds `key`, for a reader that wants to read it itself (on the
    /// blocking pool) rather than through `get`.
    public func fileURL(for key: String) throws -> URL {
        try file(key, operation: "fileURL")
    }

    /// The file for `key`; keys that would leave the root (`..`, absolute paths) are refused.
    func file(_ key: String, operation: String) throws -> URL {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), !segments.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
            !key.utf8.contains(0), segments.first.map(String.init) != Self.temporaryFolder
        else {
            throw ObjectStoreError(
                code: .invalidRequest,
                message: "a file stage key must be a relative path without empty, '.' or '..' segments",
                operation: operation, bucket: nil, key: key)
        }
        return root.appendingPathComponent(key)
    }

    @discardableResult
    public func put(_ key: String, body: ObjectBody) async throws -> ObjectInfo {
        let target = try file(key, operation: "PutObject")
        let temporary = root.appendingPathComponent(Self.temporaryFolder).appendingPathComponent(UUID().uuidString)
        let handle = try await pool.run {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw ObjectStoreError(
                    code: .invalidRequest, message: "cannot create \(temporary.path)",
                    operation: "PutObject", key: key)
            }
            return try FileHandle(forWritingTo: temporary)
        }
        do {
            // Streamed chunks are written as they come; the rest is one trip to the pool: write the
            // bytes or the file, sync, close and move into place.
            var size: Int64 = 0
            do {
                if case .chunks(let stream) = body {
                    for try await chunk in stream {
                        try await pool.run { try handle.write(contentsOf: chunk) }
                        size += Int64(chunk.count)
                    }
                }
                size += try await pool.run {
                    var written: Int64 = 0
                    switch body {
                    case .bytes(let bytes, _):
                        try handle.write(contentsOf: bytes)
                        written = Int64(bytes.count)
                    case .file(let path, _):
                        written = try Self.copy(path, to: handle, key: key)
                    case .chunks:
                        break
                    }
                    try handle.synchronize()
                    try handle.close()
                    try FileManager.default.createDirectory(
                        at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    guard rename(temporary.path, target.path) == 0 else {
                        throw ObjectStoreError(
                            code: .invalidRequest,
                            message: "cannot move the written object into place: \(String(cString: strerror(errno)))",
                            operation: "PutObject", key: key)
                    }
                    return written
                }
            } catch {
                pool.submit { try? handle.close() }
                throw error
            }
            return ObjectInfo(key: key, size: size, etag: nil)
        } catch {
            // Submitted, not awaited through `run`: a cancelled write must still remove its file.
            pool.submit { try? FileManager.default.removeItem(at: temporary) }
            throw error
        }
    }

    /// Appends the file at `path` to `handle`; returns the bytes copied.
    private static func copy(_ path: String, to handle: FileHandle, key: String) throws -> Int64 {
        guard let source = FileHandle(forReadingAtPath: path) else {
            throw ObjectStoreError(
                code: .invalidRequest, message: "cannot open \(path) for reading",
                operation: "PutObject", key: key)
        }
        defer { try? source.close() }
        var size: Int64 = 0
        while let data = try source.read(upToCount: 1 << 20), !data.isEmpty {
            try handle.write(contentsOf: data)
            size += Int64(data.count)
        }
        return size
    }

    @discardableResult
    public func get(
        _ key: String, range: ByteRange? = nil,
        to sink: @escaping @Sendable ([UInt8]) throws -> Void
    ) async throws -> ObjectInfo {
        let source = try file(key, operation: "GetObject")
        return try await pool.run {
            guard Self.isRegularFile(source.path), let handle = FileHandle(forReadingAtPath: source.path) else {
                throw ObjectStoreError(
                    code: .serverError, message: "The specified key does not exist.",
                    operation: "GetObject", key: key, s3Code: "NoSuchKey")
            }
            defer { try? handle.close() }
            let size = try FileRange.size(of: source.path)
            let first = range?.first ?? 0
            let last = min(range?.last ?? size - 1, size - 1)
            try handle.seek(toOffset: UInt64(first))
            var remaining = max(0, last - first + 1)
            while remaining > 0 {
                guard let data = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !data.isEmpty else { break }
                try sink(Array(data))
                remaining -= Int64(data.count)
            }
            return ObjectInfo(key: key, size: size, etag: nil)
        }
    }

    public func head(_ key: String) async throws -> ObjectInfo? {
        let source = try file(key, operation: "HeadObject")
        return try await pool.run {
            guard Self.isRegularFile(source.path) else { return nil }
            return ObjectInfo(key: key, size: try FileRange.size(of: source.path), etag: nil)
        }
    }

    public func list(prefix: String) -> AsyncThrowingStream<ObjectSummary, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ObjectSummary, any Error>.makeStream()
        let root = self.root
        let walk = Task {
            do {
                for object in try await pool.run({ try Self.objects(under: root, prefix: prefix) }) {
                    continuation.yield(object)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in walk.cancel() }
        return stream
    }

    /// Every object whose key starts with `prefix`, in key order.
    private static func objects(under root: URL, prefix: String) throws -> [ObjectSummary] {
        var found: [ObjectSummary] = []
        var failure: (any Error)?
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [],
            errorHandler: { url, error in
                failure = ObjectStoreError(
                    code: .invalidRequest,
                    message: "cannot list \(url.path): \(error.localizedDescription)",
                    operation: "ListObjects")
                return false
            })
        if let walker {
            for case let url as URL in walker {
                let path = url.standardizedFileURL.path
                guard path.hasPrefix(rootPath) else { continue }
                let key = String(path.dropFirst(rootPath.count))
                if key == Self.temporaryFolder || key.hasPrefix(Self.temporaryFolder + "/") {
                    walker.skipDescendants()
                    continue
                }
                guard key.hasPrefix(prefix), Self.isRegularFile(path) else { continue }
                found.append(
                    ObjectSummary(
                        key: key, size: (try? FileRange.size(of: path)) ?? 0, etag: nil,
                        lastModified: nil))
            }
        }
        if let failure { throw failure }
        return found.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) })
    }

    public func delete(_ key: String) async throws {
        let target = try file(key, operation: "DeleteObject")
        try await pool.run {
            // Only a file is an object: a folder of the same name holds other objects and stays.
            guard Self.isRegularFile(target.path) else { return }
            guard unlink(target.path) == 0 || errno == ENOENT else {
                throw ObjectStoreError(
                    code: .invalidRequest,
                    message: "cannot delete: \(String(cString: strerror(errno)))",
                    operation: "DeleteObject", key: key)
            }
        }
    }

    /// True for a regular file (not a folder, not a link to one).
    static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    public func deleteMany(_ keys: [String]) async throws -> DeleteReport {
        var report = DeleteReport()
        for key in keys {
            do {
                try await delete(key)
                report.deleted.append(key)
            } catch let error as ObjectStoreError {
                report.failed.append(.init(key: key, code: error.s3Code ?? error.code.name, message: error.message))
            }
        }
        return report
    }
}
