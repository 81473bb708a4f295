import Foundation
import Warehouse

extension Loader {
    /// The size a staged load's parts rotate at: on a warehouse that reads the stage itself
    /// (Redshift), with `sizePartsForCluster` and an estimate, `PartSizing`'s; else `partSize`.
    func stagedPartSize(on connection: any WarehouseSession, source: LoadSource?) async throws -> Int {
        guard options.sizePartsForCluster, case .stage(let stageSQL) = dialect.copyRoute else {
            return options.partSize
        }
        var estimate = options.expectedStagedBytes
        if estimate == nil, case .frame(let frame)? = source {
            estimate = PartSizing.estimatedStagedBytes(of: frame)
        }
        guard let estimate else { return options.partSize }
        let slices: Int
        if options.redshiftServerless ?? WarehouseURL.isRedshiftServerless(warehouse) {
            slices = PartSizing.serverlessSlices
        } else if let query = stageSQL.sliceCount() {
            do {
                let answer = try await connection.execute(query.sql, query.parameters).scalar
                guard let count = answer.flatMap({ Int($0) }), count > 0 else {
                    logger.info("the slice count '\(answer ?? "NULL")' is unknown: parts of \(options.partSize) bytes")
                    return options.partSize
                }
                slices = count
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.info("no slice count (\(error)): parts of \(options.partSize) bytes")
                return options.partSize
            }
        } else {
            return options.partSize
        }
        let size = PartSizing(defaultPartBytes: options.partSize).partBytes(estimatedBytes: estimate, slices: slices)
        logger.info("parts of \(size) bytes for \(estimate) estimated bytes over \(slices) slices")
        return size
    }
}

extension Loader {
    /// Whether this loader sizes parts for the cluster: on, and the warehouse reads the stage itself.
    public var sizesPartsForCluster: Bool {
        guard options.sizePartsForCluster, case .stage = dialect.copyRoute else { return false }
        return true
    }

    /// Why a fixed part size of `bytes` is refused on this warehouse: where it reads the stage
    /// itself (Redshift), outside AWS's advised 1 MB to 1 GB per file; nil elsewhere.
    public func refusal(ofPartSize bytes: Int) -> String? {
        guard case .stage = dialect.copyRoute,
            !(PartSizing.minimumPartBytes...PartSizing.maximumPartBytes).contains(bytes)
        else { return nil }
        return "\(bytes) bytes is outside the 1 MiB to 1 GB that Redshift advises per staged file"
    }
}
