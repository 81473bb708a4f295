import Foundation
import Testing

@testable import ObjectStore

@Suite("Credentials, region and endpoint from where AWS tools look")
struct AWSEnvironmentTests {
    /// A temporary home with `~/.aws/credentials` and `~/.aws/config`.
    static func home(credentials: String, config: String) throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        try credentials.write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try config.write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        return home
    }

    static let files = (
        credentials: """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = secret-default

        [loader]
        aws_access_key_id=AKIDLOADER
        aws_secret_access_key=secret-loader
        aws_session_token = token-loader
        """,
        config: """
        # comment
        [default]
        region = eu-west-1

        [profile loader]
        region = ap-southeast-2
        [profile config-only]
        aws_access_key_id = AKIDCONFIG
        aws_secret_access_key = secret-config
        """
    )

    @Test("explicit values win over everything")
    func explicit() throws {
        let home = try Self.home(credentials: Self.files.credentials, config: Self.files.config)
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = AWSEnvironment(variables: [
            "HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIDENV",
            "AWS_SECRET_ACCESS_KEY": "secret-env", "AWS_REGION": "us-west-2",
        ])
        let given = AWSCredentials(accessKeyID: "AKIDGIVEN", secretAccessKey: "given")
        #expect(try environment.credentials(explicit: given) == given)
        #expect(environment.region(explicit: "sa-east-1") == "sa-east-1")
        #expect(environment.endpoint(explicit: "http://minio:9000") == "http://minio:9000")
    }

    @Test("the environment comes before the profile files")
    func environmentVariables() throws {
        let home = try Self.home(credentials: Self.files.credentials, config: Self.files.config)
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = AWSEnvironment(variables: [
            "HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret-env",
            "AWS_SESSION_TOKEN": "token-env", "AWS_DEFAULT_REGION": "us-west-1", "AWS_ENDPOINT_URL": "http://generic:1",
            "AWS_ENDPOINT_URL_S3": "http://s3-only:2",
        ])
        #expect(
            try environment.credentials()
                == AWSCredentials(
                    accessKeyID: "AKIDENV", secretAccessKey: "secret-env",
                    sessionToken: "token-env"))
        #expect(environment.region() == "us-west-1")
        #expect(environment.endpoint() == "http://s3-only:2")
    }

    @Test("the default profile, then AWS_PROFILE, from ~/.aws")
    func profiles() throws {
        let home = try Self.home(credentials: Self.files.credentials, config: Self.files.config)
        defer { try? FileManager.default.removeItem(at: home) }
        let byDefault = AWSEnvironment(variables: ["HOME": home.path])
        #expect(try byDefault.credentials().accessKeyID == "AKIDDEFAULT")
        #expect(byDefault.region() == "eu-west-1")
        #expect(byDefault.endpoint() == nil)

        let loader = AWSEnvironment(variables: ["HOME": home.path, "AWS_PROFILE": "loader"])
        #expect(
            try loader.credentials()
                == AWSCredentials(
                    accessKeyID: "AKIDLOADER", secretAccessKey: "secret-loader",
                    sessionToken: "token-loader"))
        #expect(loader.region() == "ap-southeast-2")

        let configOnly = AWSEnvironment(variables: ["HOME": home.path, "AWS_PROFILE": "config-only"])
        #expect(try configOnly.credentials().accessKeyID == "AKIDCONFIG")
        #expect(configOnly.region() == "us-east-1")
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files")
    func filePaths() throws {
        let home = try Self.home(credentials: Self.files.credentials, config: Self.files.config)
        defer { try? FileManager.default.removeItem(at: home) }
        let elsewhere = AWSEnvironment(variables: [
            "HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent(".aws/credentials").path,
            "AWS_CONFIG_FILE": home.appendingPathComponent(".aws/config").path,
        ])
        #expect(try elsewhere.credentials().accessKeyID == "AKIDDEFAULT")
        #expect(elsewhere.region() == "eu-west-1")
    }

    @Test("no credentials anywhere is missingCredentials naming the profile")
    func missing() {
        let environment = AWSEnvironment(variables: ["HOME": "/nonexistent", "AWS_PROFILE": "ghost"])
        let error = #expect(throws: ObjectStoreError.self) { try environment.credentials() }
        #expect(error?.code == .missingCredentials)
        #expect(error?.message.contains("'ghost'") == true)
    }

    @Test("endpoints choose path-style; AWS chooses virtual-hosted unless the bucket has dots")
    func addressing() throws {
        let credentials = AWSCredentials(accessKeyID: "A", secretAccessKey: "S")
        let custom = try S3Configuration(
            bucket: "stage", region: "us-east-1", credentials: credentials,
            endpoint: "http://127.0.0.1:9000/base/")
        #expect(custom.request("GET", key: "a b/c").url == "http://127.0.0.1:9000/base/stage/a%20b/c")
        let aws = try S3Configuration(bucket: "stage", region: "eu-west-1", credentials: credentials)
        #expect(aws.request("GET", key: "k").url == "https://stage.s3.eu-west-1.amazonaws.com/k")
        let dotted = try S3Configuration(bucket: "my.stage", region: "eu-west-1", credentials: credentials)
        #expect(dotted.request("GET", key: "k").url == "https://s3.eu-west-1.amazonaws.com/my.stage/k")
        #expect(throws: ObjectStoreError.self) {
            try S3Configuration(bucket: "b", region: "r", credentials: credentials, endpoint: "not a url")
        }
    }
}
