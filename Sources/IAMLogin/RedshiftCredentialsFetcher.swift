import Foundation
import ObjectStore
import Warehouse

/// Fetches temporary database credentials for a `redshift://…?iam=true` URL: the action's request
/// signed with SigV4 using the AWS credential chain (`AWSEnvironment`), sent with libcurl.
public struct RedshiftCredentialsFetcher: Sendable {
    public let login: RedshiftIAMLogin
    let environment: AWSEnvironment
    let transport: CurlTransport
    let now: @Sendable () -> Date

    /// `caBundle` verifies an https endpoint instead of the system's certificates (default: the
    /// environment's `AWS_CA_BUNDLE`).
    public init(
        login: RedshiftIAMLogin, environment: AWSEnvironment = AWSEnvironment(), caBundle: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.login = login
        self.environment = environment
        var options = TransferOptions()
        options.caBundlePath = environment.caBundle(explicit: caBundle)
        transport = CurlTransport(concurrency: 1, options: options)
        self.now = now
    }

    /// One fetch: the user, password and expiration, or an `IAMLoginError` naming the action.
    public func fetch() async throws -> DatabaseLogin {
        let region = environment.region(explicit: login.region)
        let request = try RedshiftCredentialsRequest(login: login, region: region)
        let credentials: AWSCredentials
        do {
            credentials = try environment.credentials()
        } catch {
            throw IAMLoginError(action: request.action, message: "\(error)")
        }
        let signed = request.signed(with: credentials, region: region, date: now())
        let response: HTTPResponse
        do {
            response = try await transport.perform(signed, body: .bytes(request.body))
        } catch let error as ObjectStoreError {
            throw IAMLoginError(action: request.action, message: "\(signed.hostHeader): \(error.message)")
        }
        do {
            return try RedshiftCredentialsResponse.login(response, action: request.action)
        } catch var error as IAMLoginError {
            // AWS's messages never quote a secret; this keeps it so if one ever did.
            for secret in [credentials.secretAccessKey, credentials.sessionToken].compactMap({ $0 })
            where secret.count >= 8 {
                error.message = error.message.replacingOccurrences(of: secret, with: "***")
            }
            throw error
        }
    }
}
