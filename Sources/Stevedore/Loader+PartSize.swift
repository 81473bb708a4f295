import Foundation
import Warehouse

extension Loader {
    /// The size a staged load's parts rotate at: on a warehouse that reads the stage itself
    /// (Redshift) with `sizePartsForCluster` and an estimate of the staged bytes, `PartSizing`'s for
    /// the cluster's slices; else `partSize`. The slice count is read only when an estimate exists.
    func stagedPartSize(on connection: any WarehouseSession) async -> Int {
        guard options.sizePartsForCluster, let estimate = options.expectedStagedBytes,
            case .stage(let stageSQL) = dialect.copyRoute, let query = stageSQL.sliceCount()
        else { return options.partSize }
        let slices: Int
        do {
            let answer = try await connection.execute(query.sql, query.parameters).scalar
            slices = answer.flatMap { Int($0) } ?? PartSizing.serverlessSlices
        } catch {
            // Serverless refuses STV tables: its documented default applies (see PartSizing).
            logger.info("no slice count (\(error)); assuming \(PartSizing.serverlessSlices) slices")
            slices = PartSizing.serverlessSlices
        }
        let size = PartSizing(defaultPartBytes: options.partSize).partBytes(estimatedBytes: estimate, slices: slices)
        logger.info("parts of \(size) bytes for \(estimate) estimated bytes over \(slices) slices")
        return size
    }
}
