import Foundation

/// The `ObjectStore` over a local folder (`file://` stages): keys are paths below the root, writes
/// are atomic (a temporary file renamed into place), reads stream. The embedded default stage for
/// PostgreSQL targets when no S3 is configured.
public struct FileStore: ObjectStore {
    /// The folder objects live in.
    public let root: URL
    /// Temporary files of writes in progress; never listed.
    static let temporaryFolder = ".stevedore-tmp"

    /// A store rooted at `root`, created if missing.
    public init(root: URL) throws {
        self.root = root.standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: self.root.appendingPathComponent(Self.temporaryFolder),
                                                    withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(code: .invalidRequest,
                                   message: "cannot create the stage folder \(root.path): \(error.localizedDescription)")
        }
    }

    /// A store for a `file://` URL or a plain path.
    public init(url: String) throws {
        let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        try self.init(root: URL(fileURLWithPath: path.isEmpty ? "." : path))
    }

    public var location: String { root.absoluteString }

    /// The local file that holds `key`, for a reader that wants to read it itself (on a thread of
    /// its own) rather than through `get`.
    public func fileURL(for key: String) throws -> URL {
        try file(key, operation: "fileURL")
    }

    /// The file for `key`; keys that would leave the root (`..`, absolute paths) are refused.
    func file(_ key: String, operation: String) throws -> URL {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), !segments.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
              !key.utf8.contains(0), segments.first.map(String.init) != Self.temporaryFolder else {
            throw ObjectStoreError(code: .invalidRequest,
                                   message: "a file stage key must be a relative path without empty, '.' or '..' segments",
                                   operation: operation, bucket: nil, key: key)
        }
        return root.appendingPathComponent(key)
    }

    @discardableResult
    public func put(_ key: String, body: ObjectBody) async throws -> ObjectInfo {
        let target = try file(key, operation: "PutObject")
        let temporary = root.appendingPathComponent(Self.temporaryFolder).appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw ObjectStoreError(code: .invalidRequest, message: "cannot create \(temporary.path)",
                                   operation: "PutObject", key: key)
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            var size: Int64 = 0
            func write(_ bytes: [UInt8]) throws {
                try handle.write(contentsOf: bytes)
                size += Int64(bytes.count)
            }
            do {
                switch body {
                case .bytes(let bytes, _):
                    try write(bytes)
                case .file(let path, _):
                    guard let source = FileHandle(forReadingAtPath: path) else {
                        throw ObjectStoreError(code: .invalidRequest, message: "cannot open \(path) for reading",
                                               operation: "PutObject", key: key)
                    }
                    defer { try? source.close() }
                    while let data = try source.read(upToCount: 1 << 20), !data.isEmpty {
                        try write(Array(data))
                    }
                case .chunks(let stream):
                    for try await chunk in stream {
                        try write(chunk)
                    }
                }
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            guard rename(temporary.path, target.path) == 0 else {
                throw ObjectStoreError(code: .invalidRequest,
                                       message: "cannot move the written object into place: \(String(cString: strerror(errno)))",
                                       operation: "PutObject", key: key)
            }
            return ObjectInfo(key: key, size: size, etag: nil)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    @discardableResult
    public func get(_ key: String, range: ByteRange? = nil,
                    to sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws -> ObjectInfo {
        let source = try file(key, operation: "GetObject")
        guard Self.isRegularFile(source.path), let handle = FileHandle(forReadingAtPath: source.path) else {
            throw ObjectStoreError(code: .serverError, message: "The specified key does not exist.",
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

    public func head(_ key: String) async throws -> ObjectInfo? {
        let source = try file(key, operation: "HeadObject")
        guard Self.isRegularFile(source.path) else { return nil }
        return ObjectInfo(key: key, size: try FileRange.size(of: source.path), etag: nil)
    }

    public func list(prefix: String) -> AsyncThrowingStream<ObjectSummary, any Error> {
        let root = self.root
        return AsyncThrowingStream { continuation in
            var found: [ObjectSummary] = []
            var failure: (any Error)?
            let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [],
                errorHandler: { url, error in
                    failure = ObjectStoreError(code: .invalidRequest,
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
                    found.append(ObjectSummary(key: key, size: (try? FileRange.size(of: path)) ?? 0, etag: nil,
                                               lastModified: nil))
                }
            }
            if let failure {
                continuation.finish(throwing: failure)
                return
            }
            for object in found.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
                continuation.yield(object)
            }
            continuation.finish()
        }
    }

    public func delete(_ key: String) async throws {
        let target = try file(key, operation: "DeleteObject")
        // Only a file is an object: a folder of the same name holds other objects and stays.
        guard Self.isRegularFile(target.path) else { return }
        guard unlink(target.path) == 0 || errno == ENOENT else {
            throw ObjectStoreError(code: .invalidRequest, message: "cannot delete: \(String(cString: strerror(errno)))",
                                   operation: "DeleteObject", key: key)
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
