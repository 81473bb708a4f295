import Foundation
import IAMLogin
import ObjectStore
import Warehouse

/// Where a loader writes and stages, from the URLs users type: a warehouse (`postgres://…`,
/// `redshift://…`, or a libpq `key=value` string) and a stage (`s3://bucket/prefix`,
/// `file:///dir` or a plain path).
public enum Locations {
    /// The dialect a warehouse URL names and the connection string libpq takes for it
    /// (`redshift://` is PostgreSQL's wire protocol under another name).
    public static func warehouse(_ url: String) -> (dialect: any Dialect, connectionString: String) {
        WarehouseURL.parse(url)
    }

    /// Whether a warehouse URL names a Redshift Serverless workgroup (no slice count to read).
    public static func isRedshiftServerless(_ url: String) -> Bool {
        WarehouseURL.isRedshiftServerless(url)
    }

    /// Where the sessions of a `redshift://…?iam=true` URL get their user and password (temporary
    /// credentials, fetched again before they expire); nil for any other URL. Reads the AWS profile
    /// files (call it on the blocking pool); each fetch reads the credential chain again.
    public static func warehouseLogin(
        _ url: String, environment: AWSEnvironment = AWSEnvironment(), caBundle: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> DatabaseLoginProvider? {
        let iam: RedshiftIAMLogin?
        do {
            iam = try WarehouseURL.iamLogin(url)
        } catch let error as WarehouseError {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: error.message, underlying: error)
        }
        guard let iam else { return nil }
        let fetcher = RedshiftCredentialsFetcher(login: iam, environment: environment, caBundle: caBundle, now: now)
        return RefreshingLogin(now: now) { try await fetcher.fetch() }.provider
    }

    /// The store a stage URL names and the key prefix inside it (no leading or trailing `/`).
    /// S3 credentials, region and endpoint come from `environment` (see `AWSEnvironment`).
    public static func stage(_ url: String, environment: AWSEnvironment = AWSEnvironment(), caBundle: String? = nil)
        throws
        -> (store: any ObjectStore, prefix: String)
    {
        if url.hasPrefix("s3://") {
            let rest = url.dropFirst("s3://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            guard !bucket.isEmpty else {
                throw StevedoreError(
                    code: .invalidRequest, step: .plan, message: "'\(url)' names no bucket: use s3://bucket/prefix")
            }
            let prefix = rest.dropFirst(bucket.count).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            do {
                let configuration = try S3Configuration.fromEnvironment(
                    bucket: bucket, environment: environment,
                    caBundle: caBundle)
                return (S3Store(configuration), prefix)
            } catch {
                throw StevedoreError(code: .stage, step: .plan, message: "\(error)", underlying: error)
            }
        }
        do {
            return (try FileStore(url: url), "")
        } catch {
            throw StevedoreError(code: .stage, step: .plan, message: "\(error)", underlying: error)
        }
    }
}
