import Foundation
import Stevedore

/// A job ready to run: the job, the Loader that writes its table, and the scheduler's session with
/// that table's warehouse (shared by the jobs of one warehouse).
public struct ScheduledJob: Sendable {
    public let job: Job
    public let loader: Loader
    public let warehouse: SchedulerWarehouse

    /// `loader` is used with the job's own `skipUnchanged`, `tableDesign` and `partSize`.
    public init(job: Job, loader: Loader, warehouse: SchedulerWarehouse) {
        self.job = job
        var options = loader.options
        options.skipUnchanged = job.skipUnchanged
        options.tableDesign = job.tableDesign
        if let partSize = job.partSize {
            options.partSize = partSize
            options.sizePartsForCluster = false
        }
        self.loader = loader.with(options: options)
        self.warehouse = warehouse
    }

    /// The job's loader; `exactlyOnce` makes it load nothing when the partition's ledger row
    /// appears while it stages (checked under the partition's lock in the load's transaction).
    func loader(exactlyOnce: Bool) -> Loader {
        guard exactlyOnce else { return loader }
        var options = loader.options
        options.skipIfLoaded = true
        return loader.with(options: options)
    }

    /// Loads one partition from `source`: a files or objects source's sizes are the estimate a
    /// Redshift load sizes its parts by (`LoadSource.estimatedStagedBytes`); other sources' is unknown.
    func load(_ source: PartitionSource, partition spec: PartitionSpec?, exactlyOnce: Bool) async throws
        -> LoadReport
    {
        var loader = self.loader(exactlyOnce: exactlyOnce)
        if loader.sizesPartsForCluster, let estimate = try await source.estimatedStagedBytes() {
            var options = loader.options
            options.expectedStagedBytes = estimate
            loader = loader.with(options: options)
        }
        return try await loader.store(try await source.open(), into: job.table, partition: spec, mode: job.mode)
    }

    /// The ledger's label of each of `keys` (keys the definition does not know are left out).
    func labels(_ keys: [PartitionDefinition.Key]) -> [PartitionDefinition.Key: String] {
        var labels: [PartitionDefinition.Key: String] = [:]
        for key in keys {
            if let spec = job.partitions.spec(for: key) { labels[key] = spec.label }
        }
        return labels
    }

    /// The keys among the newest `catchUp` windows, complete as of `now`, that the ledger does not hold.
    func dueKeys(asOf now: Date) async throws -> [PartitionDefinition.Key] {
        let keys = job.recentKeys(asOf: now)
        let loads = try await warehouse.lastLoads(of: job.table)
        let labels = labels(keys)
        return keys.filter { key in labels[key].map { loads[$0] == nil } ?? false }
    }

    /// Each complete partition (the newest `windows` time windows when given) with what the ledger
    /// and the attempts table say of it.
    func status(asOf now: Date, windows: Int?, running: Set<PartitionDefinition.Key>) async throws -> JobStatus {
        let keys = job.partitions.keys(asOf: now, latestWindows: windows)
        let loads = try await warehouse.lastLoads(of: job.table)
        let lastAttempt = try await warehouse.latestAttempts(of: job.name)
        let labels = labels(keys)
        let partitions = keys.map { key -> PartitionStatus in
            let load = labels[key].flatMap { loads[$0] }
            let attempt = lastAttempt[key.description]
            let error = attempt?.outcome == .failed ? attempt?.error : nil
            let state: PartitionStatus.State
            if running.contains(key) {
                state = .running
            } else if load != nil {
                state = .loaded
            } else {
                state = attempt?.outcome == .failed ? .failed : .missing
            }
            return PartitionStatus(
                key: key, state: state, rows: load?.rows, loadedAt: load?.committedAt, lastError: error)
        }
        return JobStatus(
            job: job.name, table: job.table.description, dimensions: job.partitions.dimensions.map(\.name),
            partitions: partitions, nextRun: job.nextRun(after: now))
    }
}

extension Job {
    /// The complete keys from `first` to `last`, inclusive, in order, for a backfill. Each bound is
    /// a whole key (`2024-01-02|eu`) or the first dimension's value alone (`2024-01-02`: every key
    /// of that day).
    public func keys(from first: String, to last: String, asOf now: Date) throws -> [PartitionDefinition.Key] {
        let keys = partitions.keys(asOf: now)
        func matches(_ key: PartitionDefinition.Key, _ bound: String) -> Bool {
            key.description == bound || key.values.first == bound
        }
        guard let start = keys.firstIndex(where: { matches($0, first) }) else {
            throw SchedulerError(
                code: .notFound,
                message: "'\(first)' is not a complete partition of the job"
                    + (keys.isEmpty ? "" : " (complete: \(keys.first!) … \(keys.last!))"), job: name)
        }
        guard let end = keys.lastIndex(where: { matches($0, last) }) else {
            throw SchedulerError(
                code: .notFound,
                message: "'\(last)' is not a complete partition of the job"
                    + (keys.isEmpty ? "" : " (complete: \(keys.first!) … \(keys.last!))"), job: name)
        }
        guard start <= end else {
            throw SchedulerError(
                code: .invalidConfiguration, message: "--from \(first) comes after --to \(last)", job: name)
        }
        return Array(keys[start...end])
    }
}
