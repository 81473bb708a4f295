import Foundation
import Stevedore

extension PartitionSource {
    /// A file or a glob's files, one after the other (`LoadSource.files`: the folder is walked and
    /// the first file opened on the blocking pool); a pattern that names nothing fails the partition.
    func openFiles(_ pattern: String, format: SourceFormat) async throws -> LoadSource {
        do {
            return try await LoadSource.files([pattern], format: format)
        } catch let failure as StevedoreError {
            throw error(failure.message)
        }
    }
}
