import Foundation
import Stevedore

extension PartitionSource {
    /// The objects of a store whose keys match a glob, one after the other (`LoadSource.objects`:
    /// S3 objects stream from their downloads, a `file:///` folder's are read as files), with the
    /// service's AWS environment and CA bundle.
    func openObjects(_ url: String, format: SourceFormat) async throws -> LoadSource {
        do {
            return try await LoadSource.objects(
                url: url, format: format, environment: awsEnvironment, caBundle: caBundle)
        } catch let failure as StevedoreError {
            throw error(failure.message)
        }
    }
}
