import Foundation
import Frames
import Logging
import ObjectStore
import Stevedore
import Warehouse

/// Opens a job's source for one partition key: the placeholders filled in, the files or objects
/// found, the command started or the query sent, and the rows handed to the Loader as they are read.
struct PartitionSource: Sendable {
    let job: Job
    let key: PartitionDefinition.Key
    let placeholders: PartitionPlaceholders
    /// Where S3 credentials, region and endpoint come from (objects sources).
    let awsEnvironment: AWSEnvironment
    /// The environment a command inherits, before the partition's own variables.
    let processEnvironment: [String: String]
    let logger: Logger

    init(job: Job, key: PartitionDefinition.Key, awsEnvironment: AWSEnvironment,
         processEnvironment: [String: String], logger: Logger) {
        self.job = job
        self.key = key
        self.placeholders = PartitionPlaceholders(definition: job.partitions, key: key)
        self.awsEnvironment = awsEnvironment
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    func error(_ message: String) -> SchedulerError {
        SchedulerError(code: .source, message: message, job: job.name, partition: key.description)
    }

    func open() async throws -> LoadSource {
        switch job.source {
        case .files(let pattern, let format):
            return try openFiles(placeholders.fill(pattern), format: format)
        case .objects(let url, let format):
            return try await openObjects(placeholders.fill(url), format: format)
        case .command(let command, let format, let directory):
            return try openCommand(placeholders.fill(command), format: format,
                                   directory: directory.map(placeholders.fill))
        case .query(let database, let sql):
            return try openQuery(database: database, statement: placeholders.parameterize(sql))
        }
    }

    // MARK: files

    /// The files a pattern names, in name order: the file itself, or a glob's matches.
    func files(matching pattern: String) throws -> [String] {
        let glob = GlobPattern(pattern)
        guard glob.hasWildcards else {
            guard FileManager.default.fileExists(atPath: pattern) else { throw error("no file \(pattern)") }
            return [pattern]
        }
        let folder = glob.literalPrefix.isEmpty ? "." : glob.literalPrefix
        var matches: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder) {
            while let relative = walker.nextObject() as? String {
                let path = glob.literalPrefix + relative
                var isFolder: ObjCBool = false
                if glob.matches(path), FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                    matches.append(path)
                }
            }
        }
        guard !matches.isEmpty else { throw error("no file matches \(pattern)") }
        return matches.sorted()
    }

    private func openFiles(_ pattern: String, format: SourceFormat) throws -> LoadSource {
        let paths = try files(matching: pattern)
        logger.debug("reading \(paths.count) file(s)", metadata: ["job": "\(job.name)", "partition": "\(key)"])
        let chain = ChainedReader(count: paths.count) { index in
            let path = paths[index]
            let raw = try FileByteSource(path: path)
            let bytes: any ByteSource = path.hasSuffix(".gz") ? try GzipByteSource(raw) : raw
            return try Self.reader(format.resolved(for: path), bytes: bytes, name: path)
        }
        return SourceThread(name: "stevedore-source", open: { { try chain.next() } }).loadSource
    }

    /// The reader of `bytes` in `format` (already resolved), named `name` in its errors.
    static func reader(_ format: SourceFormat, bytes: any ByteSource, name: String) throws -> () throws -> TextBatch? {
        switch format {
        case .jsonLines:
            let reader = JSONLinesReader(source: bytes, file: name)
            return { try reader.next() }
        case .csv(let options):
            let reader = try CSVReader(source: bytes, file: name, options: options)
            return { try reader.next() }
        case .bySuffix:
            let reader = try CSVReader(source: bytes, file: name)
            return { try reader.next() }
        }
    }

    // MARK: objects

    private func openObjects(_ url: String, format: SourceFormat) async throws -> LoadSource {
        let location: (store: any ObjectStore, prefix: String)
        let bucketURL: String
        if url.hasPrefix("s3://") {
            let bucket = url.dropFirst(5).prefix { $0 != "/" }
            bucketURL = "s3://\(bucket)"
        } else if url.hasPrefix("file:///") {
            bucketURL = "file:///"
        } else {
            throw error("objects need an s3:// or file:/// URL, not '\(url)' (local files: use a files source)")
        }
        do {
            location = try Locations.stage(bucketURL, environment: awsEnvironment)
        } catch {
            throw self.error("cannot open \(bucketURL): \(error)")
        }
        let store = location.store
        var keyPattern = String(url.dropFirst(bucketURL.count))
        if bucketURL.hasPrefix("s3://"), keyPattern.hasPrefix("/") { keyPattern.removeFirst() }
        let glob = GlobPattern(keyPattern)
        var keys: [String] = []
        do {
            if glob.hasWildcards {
                for try await object in store.list(prefix: glob.literalPrefix) where glob.matches(object.key) {
                    keys.append(object.key)
                }
            } else if try await store.head(keyPattern) != nil {
                keys = [keyPattern]
            }
        } catch {
            throw self.error("cannot list \(url): \(error)")
        }
        guard !keys.isEmpty else { throw error("no object matches \(url)") }
        keys.sort()
        logger.debug("reading \(keys.count) object(s)", metadata: ["job": "\(job.name)", "partition": "\(key)"])

        let current = CurrentChannel()
        let chain = ChainedReader(count: keys.count) { index in
            let objectKey = keys[index]
            let channel = ByteChannel()
            current.set(channel)
            Task {
                do {
                    try await store.get(objectKey, range: nil) { chunk in
                        if !chunk.isEmpty { try channel.sendBlocking(chunk) }
                    }
                    channel.finish()
                } catch {
                    channel.finish(throwing: self.error("cannot read \(bucketURL)/\(objectKey): \(error)"))
                }
            }
            let bytes: any ByteSource = objectKey.hasSuffix(".gz") ? try GzipByteSource(channel) : channel
            return try Self.reader(format.resolved(for: objectKey), bytes: bytes, name: "\(bucketURL)/\(objectKey)")
        }
        return SourceThread(name: "stevedore-source", open: { { try chain.next() } },
                            interrupt: { current.cancel() }, cleanup: { current.cancel() }).loadSource
    }

    // MARK: command

    private func openCommand(_ command: String, format: SourceFormat, directory: String?) throws -> LoadSource {
        let process = CommandProcess(command: command, directory: directory,
                                     environment: processEnvironment.merging(placeholders.environment(job: job.name)) { $1 },
                                     job: job.name, partition: key.description, logger: logger)
        let stdout = try process.start()
        let name = "command \(command)"
        return SourceThread(name: "stevedore-command", open: {
            let next: () throws -> TextBatch?
            do {
                next = try Self.reader(format.resolved(for: command), bytes: stdout, name: name)
            } catch {
                // No header: the command's failure (if it failed) says more than the empty input.
                try process.waitForSuccess()
                throw error
            }
            return {
                // At the end of stdout, the exit status decides: a failed command fails the load.
                if let batch = try next() { return batch }
                try process.waitForSuccess()
                return nil
            }
        }, interrupt: { process.stop() }, cleanup: { process.stop() }).loadSource
    }

    // MARK: query

    private func openQuery(database: String, statement: SQLStatement) throws -> LoadSource {
        let copy: String
        do {
            copy = "COPY (\(try PostgresDialect().inlineParameters(statement))) TO STDOUT WITH (FORMAT csv, HEADER true)"
        } catch {
            throw self.error("cannot send the partition key to the query: \(error)")
        }
        let channel = ByteChannel()
        let logger = self.logger
        let producer = Task {
            do {
                let connection = try await Connection.connect(database, logger: logger)
                do {
                    _ = try await connection.copyOut(copy) { chunk in try await channel.send(chunk) }
                    await connection.close()
                    channel.finish()
                } catch {
                    await connection.close()
                    throw error
                }
            } catch let failure as WarehouseError {
                var message = "the query failed: \(failure.message)"
                if let state = failure.sqlState { message += " (SQLSTATE \(state))" }
                channel.finish(throwing: self.error(message))
            } catch {
                channel.finish(throwing: self.error("the query failed: \(error)"))
            }
        }
        let name = "query of job \(job.name)"
        return SourceThread(name: "stevedore-query", open: { try Self.reader(.csv(CSVOptions()), bytes: channel, name: name) },
                            interrupt: { producer.cancel(); channel.closeReader() },
                            cleanup: { channel.closeReader() }).loadSource
    }
}

/// The channel of the object being read, so a cancelled load can stop its download.
private final class CurrentChannel: @unchecked Sendable {
    private let lock = NSLock()
    private var channel: ByteChannel?

    func set(_ channel: ByteChannel) {
        lock.lock()
        let previous = self.channel
        self.channel = channel
        lock.unlock()
        previous?.closeReader()
    }

    func cancel() {
        lock.lock()
        let channel = self.channel
        lock.unlock()
        channel?.closeReader()
    }
}
