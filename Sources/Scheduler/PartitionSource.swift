import Foundation
import Frames
import Logging
import ObjectStore
import Stevedore
import Warehouse

/// Opens a job's source for one partition key: the placeholders filled in, the files or objects
/// found, the command started or the query sent, and the rows handed to the Loader as they are read.
/// The reading (and any blocking setup: a folder walk, a header, a process start) happens on a
/// `BlockingPool` through `LoadSource.reading`, never on the cooperative pool.
struct PartitionSource: Sendable {
    let job: Job
    let key: PartitionDefinition.Key
    let placeholders: PartitionPlaceholders
    /// Where S3 credentials, region and endpoint come from (objects sources).
    let awsEnvironment: AWSEnvironment
    /// Certificates to verify an https:// S3 endpoint with, when given.
    let caBundle: String?
    /// The environment a command inherits, before the partition's own variables.
    let processEnvironment: [String: String]
    let logger: Logger

    init(
        job: Job, key: PartitionDefinition.Key, awsEnvironment: AWSEnvironment, caBundle: String? = nil,
        processEnvironment: [String: String], logger: Logger
    ) {
        self.job = job
        self.key = key
        self.placeholders = PartitionPlaceholders(definition: job.partitions, key: key)
        self.awsEnvironment = awsEnvironment
        self.caBundle = caBundle
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    func error(_ message: String) -> SchedulerError {
        SchedulerError(code: .source, message: message, job: job.name, partition: key.description)
    }

    func open() async throws -> LoadSource {
        switch job.source {
        case .files(let pattern, let format):
            return try await openFiles(placeholders.fill(pattern), format: format)
        case .objects(let url, let format):
            return try await openObjects(placeholders.fill(url), format: format)
        case .command(let command, let format, let directory):
            return openCommand(
                placeholders.fillForShell(command), format: format,
                directory: directory.map(placeholders.fill))
        case .query(let database, let sql):
            return try openQuery(database: database, statement: placeholders.parameterize(sql))
        }
    }

    /// An estimate of the gzip bytes the partition's files or objects stage, from their sizes;
    /// nil for a command or a query, whose size is not known ahead, or when a size cannot be read.
    func estimatedStagedBytes() async throws -> Int? {
        switch job.source {
        case .files(let pattern, _):
            return try await LoadSource.estimatedStagedBytes([placeholders.fill(pattern)])
        case .objects(let url, _):
            return try await LoadSource.estimatedStagedBytes(
                [placeholders.fill(url)], environment: awsEnvironment, caBundle: caBundle)
        case .command, .query:
            return nil
        }
    }

    /// The reader of `bytes` in `format` (resolved for `name`), named `name` in its errors.
    static func reader(_ format: SourceFormat, bytes: any ByteSource, name: String) throws -> () throws -> TextBatch? {
        try format.reader(for: name, bytes: bytes).next
    }
}
