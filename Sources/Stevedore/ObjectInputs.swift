import Blocking
import Foundation
import Frames
import ObjectStore

/// The objects an object glob names (`s3://bucket/prefix/*.csv.gz`, or `file:///dir/*.csv` in a
/// local folder), as inputs: an S3 object streams from its download through a `ByteChannel`
/// (at most a few chunks held), a folder's is read as a file.
enum ObjectInputs {
    /// The objects matching `url`, in key order, and the channel of the one being downloaded (to
    /// stop it when the load lets go). Credentials, region and endpoint come from `environment`,
    /// certificates from `caBundle`, as for an S3 stage.
    static func resolve(
        _ url: String, environment: AWSEnvironment, caBundle: String?, pool: BlockingPool
    ) async throws -> (inputs: [LoadInput], downloads: CurrentChannel) {
        let (store, bucketURL, objects) = try await matching(
            url, environment: environment, caBundle: caBundle, pool: pool)
        let downloads = CurrentChannel()
        let inputs = objects.map { object in
            let key = object.key
            let name = bucketURL.hasPrefix("s3://") ? "\(bucketURL)/\(key)" : "\(bucketURL)\(key)"
            if let folder = store as? FileStore {
                return LoadInput(name: name) { try FileByteSource(path: try folder.fileURL(for: key).path) }
            }
            return LoadInput(name: name) { download(key, named: name, from: store, into: downloads) }
        }
        return (inputs, downloads)
    }

    /// The objects matching `url` with their sizes, as a listing gives them, in key order.
    static func sizes(_ url: String, environment: AWSEnvironment, caBundle: String?, pool: BlockingPool)
        async throws -> [(name: String, size: Int)]
    {
        try await matching(url, environment: environment, caBundle: caBundle, pool: pool).objects.map {
            ($0.key, Int($0.size))
        }
    }

    /// The store of `url`'s bucket or folder, its URL, and the objects whose keys match the rest.
    private static func matching(
        _ url: String, environment: AWSEnvironment, caBundle: String?, pool: BlockingPool
    ) async throws -> (store: any ObjectStore, bucketURL: String, objects: [(key: String, size: Int64)]) {
        let bucketURL: String
        if url.hasPrefix("s3://") {
            bucketURL = "s3://" + url.dropFirst(5).prefix { $0 != "/" }
        } else if url.hasPrefix("file:///") {
            bucketURL = "file:///"
        } else {
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message: "objects need an s3:// or file:/// URL, not '\(url)' (local files: use a file or glob)")
        }
        let store: any ObjectStore
        do {
            // On the pool: a CA bundle and AWS profile files are read, and a folder stage made.
            store = try await pool.run {
                try Locations.stage(bucketURL, environment: environment, caBundle: caBundle).store
            }
        } catch {
            throw StevedoreError(code: .stage, step: .encode, message: "cannot open \(bucketURL): \(error)")
        }
        var keyPattern = String(url.dropFirst(bucketURL.count))
        if keyPattern.hasPrefix("/") { keyPattern.removeFirst() }
        return (store, bucketURL, try await matchingKeys(keyPattern, in: store, url: url))
    }

    /// Starts downloading `key` into a new channel, which the reader reads as the bytes come.
    private static func download(
        _ key: String, named name: String, from store: any ObjectStore, into downloads: CurrentChannel
    ) -> any ByteSource {
        let (channel, _) = ByteChannel.downloading(key, from: store) { error in
            FrameError(kind: .io, file: name, message: "cannot read the object: \(error)")
        }
        downloads.set(channel)
        return channel
    }

    /// The keys matching `pattern` (a glob, or one key) and their sizes, in key order; an error
    /// when there are none.
    private static func matchingKeys(_ pattern: String, in store: any ObjectStore, url: String) async throws
        -> [(key: String, size: Int64)]
    {
        let glob = GlobPattern(pattern)
        var keys: [(key: String, size: Int64)] = []
        do {
            if glob.hasWildcards {
                for try await object in store.list(prefix: glob.literalPrefix) where glob.matches(object.key) {
                    keys.append((object.key, object.size))
                }
            } else if let object = try await store.head(pattern) {
                keys = [(pattern, object.size)]
            }
        } catch {
            throw StevedoreError(code: .stage, step: .encode, message: "cannot list \(url): \(error)")
        }
        guard !keys.isEmpty else {
            throw StevedoreError(code: .input, step: .encode, message: "no object matches \(url)")
        }
        return keys.sorted { $0.key < $1.key }
    }
}

/// The channel of the object being downloaded, so a load that lets go can stop its download.
final class CurrentChannel: Sendable {
    private let channel = LockedBox<ByteChannel?>(nil)

    func set(_ channel: ByteChannel) {
        let previous = self.channel.withLock { current in
            defer { current = channel }
            return current
        }
        previous?.closeReader()
    }

    func cancel() {
        channel.withLock { $0 }?.closeReader()
    }
}
