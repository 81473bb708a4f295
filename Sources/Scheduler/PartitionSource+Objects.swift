import Blocking
import Foundation
import Frames
import ObjectStore
import Stevedore

extension PartitionSource {
    /// The objects of a store whose keys match a glob, one after the other. Objects of an S3 bucket
    /// stream through a `ByteChannel` from their downloads; objects of a local folder
    /// (`file:///…`) are read as files on the blocking pool.
    func openObjects(_ url: String, format: SourceFormat) async throws -> LoadSource {
        let bucketURL: String
        if url.hasPrefix("s3://") {
            bucketURL = "s3://" + url.dropFirst(5).prefix { $0 != "/" }
        } else if url.hasPrefix("file:///") {
            bucketURL = "file:///"
        } else {
            throw error("objects need an s3:// or file:/// URL, not '\(url)' (local files: use a file or glob source)")
        }
        let store: any ObjectStore
        do {
            // On the pool: a CA bundle is read, and a folder stage made.
            let (awsEnvironment, caBundle) = (self.awsEnvironment, self.caBundle)
            store = try await BlockingPool.shared.run {
                try Locations.stage(bucketURL, environment: awsEnvironment, caBundle: caBundle).store
            }
        } catch {
            throw self.error("cannot open \(bucketURL): \(error)")
        }
        var keyPattern = String(url.dropFirst(bucketURL.count))
        if keyPattern.hasPrefix("/") { keyPattern.removeFirst() }
        let keys = try await matchingKeys(keyPattern, in: store, url: url)
        logger.debug("reading \(keys.count) object(s)", metadata: ["job": "\(job.name)", "partition": "\(key)"])

        let current = CurrentChannel()
        let chain = ChainedReader(count: keys.count) { index in
            let objectKey = keys[index]
            let name = bucketURL.hasPrefix("s3://") ? "\(bucketURL)/\(objectKey)" : "\(bucketURL)\(objectKey)"
            if let folder = store as? FileStore {
                return try Self.fileReader(try folder.fileURL(for: objectKey).path, format: format, name: name)
            }
            let channel = ByteChannel()
            current.set(channel)
            Task {
                do {
                    // The sink runs on a pool thread (the transfer's): waiting there for the reader
                    // blocks no cooperative thread.
                    try await store.get(objectKey, range: nil) { chunk in
                        if !chunk.isEmpty { try channel.sendBlocking(chunk) }
                    }
                    channel.finish()
                } catch {
                    channel.finish(throwing: self.error("cannot read \(name): \(error)"))
                }
            }
            let bytes: any ByteSource = objectKey.hasSuffix(".gz") ? try GzipByteSource(channel) : channel
            return try Self.reader(format, bytes: bytes, name: name)
        }
        return LoadSource.reading(
            open: { { try chain.next() } },
            interrupt: { current.cancel() }, cleanup: { current.cancel() })
    }

    /// The keys matching `pattern` (a glob, or one key), in key order; an error when there are none.
    private func matchingKeys(_ pattern: String, in store: any ObjectStore, url: String) async throws -> [String] {
        let glob = GlobPattern(pattern)
        var keys: [String] = []
        do {
            if glob.hasWildcards {
                for try await object in store.list(prefix: glob.literalPrefix) where glob.matches(object.key) {
                    keys.append(object.key)
                }
            } else if try await store.head(pattern) != nil {
                keys = [pattern]
            }
        } catch {
            throw self.error("cannot list \(url): \(error)")
        }
        guard !keys.isEmpty else { throw error("no object matches \(url)") }
        return keys.sorted()
    }
}

/// The channel of the object being downloaded, so a cancelled load can stop its download.
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
