import Foundation

/// Finds credentials, region and endpoint where the AWS CLI and SDKs look for them, in their order:
/// explicit values; `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`; then the
/// profile `AWS_PROFILE` (default `default`) in `~/.aws/credentials` and `~/.aws/config` (paths from
/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`).
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]
    public var profile: String
    private let credentialsFile: AWSConfigFile?
    private let configFile: AWSConfigFile?

    /// Reads the process environment and the profile files.
    public init(variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
        profile = variables["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let home = variables["HOME"] ?? NSHomeDirectory()
        credentialsFile = Self.read(variables["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials")
        configFile = Self.read(variables["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config")
    }

    private static func read(_ path: String) -> AWSConfigFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return AWSConfigFile(text: String(decoding: data, as: UTF8.self))
    }

    private func value(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// Credentials from `explicit`, the environment, or the profile; `missingCredentials` otherwise.
    public func credentials(explicit: AWSCredentials? = nil) throws -> AWSCredentials {
        if let explicit { return explicit }
        if let id = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        }
        for section in [credentialsFile?.credentialsProfile(profile), configFile?.configProfile(profile)] {
            if let section, let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                return AWSCredentials(
                    accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
            }
        }
        throw ObjectStoreError(
            code: .missingCredentials,
            message: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '\(profile)' "
                + "to ~/.aws/credentials")
    }

    /// The region from `explicit`, `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile; else `us-east-1`.
    public func region(explicit: String? = nil) -> String {
        explicit ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION")
            ?? configFile?.configProfile(profile)?["region"] ?? "us-east-1"
    }

    /// The CA bundle to verify the endpoint with, from `explicit`, `AWS_CA_BUNDLE` or the profile's
    /// `ca_bundle`; nil means the system's certificates.
    public func caBundle(explicit: String? = nil) -> String? {
        explicit ?? value("AWS_CA_BUNDLE") ?? configFile?.configProfile(profile)?["ca_bundle"]
    }

    /// The S3 endpoint from `explicit`, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`; nil means AWS.
    public func endpoint(explicit: String? = nil) -> String? {
        explicit ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
    }
}
