import Foundation

/// Everything an `S3Store` needs: bucket, endpoint and addressing, region, credentials, and the
/// tuning of transfers (multipart threshold and part size, concurrency, page size, retries).
public struct S3Configuration: Sendable {
    /// How the bucket appears in URLs.
    public enum Addressing: Sendable, Hashable {
        /// `https://host/bucket/key`: the default for custom endpoints (MinIO and others).
        case path
        /// `https://bucket.host/key`: the default for AWS.
        case virtualHosted
    }

    public var bucket: String
    public var region: String
    public var credentials: AWSCredentials
    public var scheme: String
    public var host: String
    public var port: Int?
    /// A path the endpoint itself lives under (`http://host:9000/s3` → `/s3`), usually empty.
    public var basePath: String
    public var addressing: Addressing
    /// Bodies larger than this go up as a multipart upload.
    public var multipartThreshold: Int = 64 * 1024 * 1024
    /// Size of each part of a multipart upload (S3's minimum is 5 MiB, except the last part).
    public var partSize: Int = 16 * 1024 * 1024
    /// Transfers in flight at once (multipart parts), and the transport's thread count.
    public var concurrency: Int = 4
    /// Keys asked for per ListObjectsV2 page (at most 1,000).
    public var listPageSize: Int = 1000
    public var retry = RetryPolicy()
    public var transfer = TransferOptions()

    /// A configuration for `bucket` at an explicit endpoint (`nil`: AWS's regional endpoint).
    public init(
        bucket: String, region: String, credentials: AWSCredentials, endpoint: String? = nil,
        addressing: Addressing? = nil
    ) throws {
        self.bucket = bucket
        self.region = region
        self.credentials = credentials
        if let endpoint {
            guard let components = URLComponents(string: endpoint), let scheme = components.scheme,
                let host = components.host, !host.isEmpty
            else {
                throw ObjectStoreError(code: .invalidRequest, message: "invalid S3 endpoint URL '\(endpoint)'")
            }
            self.scheme = scheme
            self.host = host
            self.port = components.port
            var path = components.path
            while path.hasSuffix("/") { path.removeLast() }
            self.basePath = path
            self.addressing = addressing ?? .path
        } else {
            scheme = "https"
            host = "s3.\(region).amazonaws.com"
            port = nil
            basePath = ""
            // Bucket names with dots break TLS name checks under virtual hosting.
            self.addressing = addressing ?? (bucket.contains(".") ? .path : .virtualHosted)
        }
    }

    /// A configuration from where AWS tools look: credentials, region and endpoint (see
    /// `AWSEnvironment`); explicit arguments win.
    public static func fromEnvironment(
        bucket: String, environment: AWSEnvironment = AWSEnvironment(),
        credentials: AWSCredentials? = nil, region: String? = nil,
        endpoint: String? = nil, caBundle: String? = nil
    ) throws -> S3Configuration {
        var configuration = try S3Configuration(
            bucket: bucket, region: environment.region(explicit: region),
            credentials: environment.credentials(explicit: credentials),
            endpoint: environment.endpoint(explicit: endpoint))
        configuration.transfer.caBundlePath = environment.caBundle(explicit: caBundle)
        return configuration
    }

    /// The request for `key` (empty: the bucket itself) with `query`, before signing.
    func request(_ method: String, key: String, query: [HTTPRequest.QueryItem] = []) -> HTTPRequest {
        switch addressing {
        case .path:
            return HTTPRequest(
                method: method, scheme: scheme, host: host, port: port,
                path: "\(basePath)/\(bucket)/\(key)", query: query)
        case .virtualHosted:
            return HTTPRequest(
                method: method, scheme: scheme, host: "\(bucket).\(host)", port: port,
                path: "\(basePath)/\(key)", query: query)
        }
    }
}
