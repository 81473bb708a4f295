import Blocking
import Foundation
import ObjectStore
import Warehouse

/// Fetches temporary database credentials for a `redshift://…?iam=true` URL: the action's request
/// signed with SigV4 and sent with libcurl, retried while AWS or the network fails transiently.
public struct RedshiftCredentialsFetcher: Sendable {
    public let login: RedshiftIAMLogin
    let variables: [String: String]
    let region: String
    let transport: CurlTransport
    let retry: RetryPolicy
    let pool: BlockingPool
    let now: @Sendable () -> Date

    /// `environment` gives the variables the AWS credential chain reads at each fetch (the
    /// profile files are read again then); `caBundle` verifies an https endpoint (default:
    /// `AWS_CA_BUNDLE`). Reads the profile files once: call it on the blocking pool.
    public init(
        login: RedshiftIAMLogin, environment: AWSEnvironment = AWSEnvironment(), caBundle: String? = nil,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4), pool: BlockingPool = .shared,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.login = login
        variables = environment.variables
        region = environment.region(explicit: login.region)
        var options = TransferOptions()
        options.caBundlePath = environment.caBundle(explicit: caBundle)
        transport = CurlTransport(concurrency: 1, options: options, pool: pool)
        self.retry = retry
        self.pool = pool
        self.now = now
    }

    /// One fetch: the user, password and expiration, or an `IAMLoginError` naming the action.
    public func fetch() async throws -> DatabaseLogin {
        let request = try RedshiftCredentialsRequest(login: login, region: region)
        let credentials: AWSCredentials
        do {
            // Each fetch reads the chain again, so rewritten profile files are picked up.
            let variables = self.variables
            credentials = try await pool.run { try AWSEnvironment(variables: variables).credentials() }
        } catch let error as ObjectStoreError {
            throw IAMLoginError(action: request.action, message: error.message)
        }
        var attempt = 1
        while true {
            let failure: IAMLoginError
            let retryable: Bool
            do {
                let signed = request.signed(with: credentials, region: region, date: now())
                let response = try await transport.perform(signed, body: .bytes(request.body))
                return try RedshiftCredentialsResponse.login(response, action: request.action)
            } catch let error as ObjectStoreError {
                failure = IAMLoginError(action: request.action, message: "\(request.http.hostHeader): \(error.message)")
                retryable = error.isTransient
            } catch let error as IAMLoginError {
                failure = Self.redacted(error, credentials)
                retryable = Self.isTransient(error)
            }
            guard retryable, attempt < retry.maxAttempts else { throw failure }
            let throttled = failure.httpStatus.map { $0 < 500 } ?? false
            try await Task.sleep(for: retry.delay(after: attempt, throttled: throttled))
            attempt += 1
        }
    }

    /// Whether AWS's answer says to try again: throttling, or a server-side failure. Not a 4xx such
    /// as AccessDenied or ClusterNotFound, which the same request would meet again.
    static func isTransient(_ error: IAMLoginError) -> Bool {
        guard let status = error.httpStatus else { return false }
        if status >= 500 || status == 429 { return true }
        let throttling: Set<String> = [
            "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
        ]
        return error.awsCode.map(throttling.contains) ?? false
    }

    /// `error` with the caller's secret key and session token replaced by `***`.
    static func redacted(_ error: IAMLoginError, _ credentials: AWSCredentials) -> IAMLoginError {
        var error = error
        for secret in [credentials.secretAccessKey, credentials.sessionToken].compactMap({ $0 }) where secret.count >= 8
        {
            error.message = error.message.replacingOccurrences(of: secret, with: "***")
        }
        return error
    }
}
