import Foundation
import IAMLogin
import ObjectStore
import Testing
import Warehouse

/// The IAM logins' requests and answers, against a local fixture that checks each SigV4 signature
/// with botocore and answers with AWS's recorded response shapes.
@Suite("Redshift IAM logins against a signature-checking fixture", .timeLimit(.minutes(2)))
struct RedshiftCredentialsTests {
    static func environment(secret: String = CredentialsFixture.secret) -> AWSEnvironment {
        AWSEnvironment(variables: [
            "AWS_ACCESS_KEY_ID": CredentialsFixture.accessKeyID, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": CredentialsFixture.sessionToken, "HOME": "/nonexistent",
        ])
    }

    func fetcher(_ url: String, _ fixture: CredentialsFixture, secret: String = CredentialsFixture.secret) throws
        -> RedshiftCredentialsFetcher
    {
        let login = try #require(try RedshiftIAMLogin.parse(url + "&iam_endpoint=\(fixture.endpoint)"))
        // Quick retries, so the transient-failure test does not wait for the default backoff.
        return RedshiftCredentialsFetcher(
            login: login, environment: Self.environment(secret: secret),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
    }

    @Test("a provisioned cluster: GetClusterCredentialsWithIAM's form, signed for redshift, its XML read")
    func provisioned() async throws {
        let fixture = try await CredentialsFixture(region: "us-west-2")
        let fetcher = try fetcher(
            "redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com:5439/dev?iam=true&duration=1800",
            fixture)
        let login = try await fetcher.fetch()
        #expect(login.user == "IAMR:loader")
        #expect(login.password == "EXAMPLEclusterPassword&Q7x+Zt9/RbN2", "entities decoded")
        let expected = try #require(ISO8601DateFormatter().date(from: "2026-12-07T20:15:00Z"))
        #expect(abs(try #require(login.expiration).timeIntervalSince(expected) - 0.123) < 0.001)
        let request = try #require(try fixture.received().first)
        #expect(request.method == "POST" && request.path == "/")
        #expect(
            request.body
                == "Action=GetClusterCredentialsWithIAM&Version=2012-12-01&ClusterIdentifier=examplecluster"
                + "&DbName=dev&DurationSeconds=1800")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.headers["x-amz-security-token"] == CredentialsFixture.sessionToken)
        let authorization = try #require(request.headers["authorization"])
        #expect(authorization.contains("/us-west-2/redshift/aws4_request"), "\(authorization)")
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"))
        #expect(!"\(login)".contains(login.password) && !String(reflecting: login).contains(login.password))
    }

    @Test("a Serverless workgroup: GetCredentials as JSON 1.1, signed for redshift-serverless, its JSON read")
    func serverless() async throws {
        let fixture = try await CredentialsFixture(region: "eu-west-1")
        let fetcher = try fetcher(
            "redshift://analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com:5439/sales?iam=true", fixture
        )
        let login = try await fetcher.fetch()
        #expect(login.user == "IAMR:loader" && login.password == "EXAMPLEserverlessPassword/k2Lw9+Tq")
        #expect(login.expiration == Date(timeIntervalSince1970: 1_796_760_000))
        let request = try #require(try fixture.received().first)
        #expect(request.headers["x-amz-target"] == "RedshiftServerless.GetCredentials")
        #expect(request.headers["content-type"] == "application/x-amz-json-1.1")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        #expect(body["workgroupName"] as? String == "analytics" && body["dbName"] as? String == "sales")
        #expect(body["durationSeconds"] == nil, "the API's default when the URL sets none")
        let authorization = try #require(request.headers["authorization"])
        #expect(authorization.contains("/eu-west-1/redshift-serverless/aws4_request"))
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"))
    }

    @Test("a wrong secret: the fixture refuses the signature; the error names the action and code, no secret")
    func wrongSecret() async throws {
        let fixture = try await CredentialsFixture(region: "us-west-2")
        let wrong = "not-the-secret-0123456789"
        for (url, action, code) in [
            (
                "redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com/dev?iam=true",
                "GetClusterCredentialsWithIAM", "SignatureDoesNotMatch"
            ),
            (
                "redshift://analytics.123456789012.us-west-2.redshift-serverless.amazonaws.com/dev?iam=true",
                "GetCredentials", "InvalidSignatureException"
            ),
        ] {
            let error = try await #require(throws: IAMLoginError.self) {
                try await fetcher(url, fixture, secret: wrong).fetch()
            }
            #expect(error.action == action && error.awsCode == code && error.httpStatus == 403)
            #expect(error.requestID != nil)
            let text = "\(error)"
            #expect(text.hasPrefix("\(action) failed: \(code): The request signature we calculated"), "\(text)")
            for secret in [wrong, CredentialsFixture.secret, CredentialsFixture.sessionToken] {
                #expect(!text.contains(secret) && !String(reflecting: error).contains(secret))
            }
        }
        #expect(try fixture.received().isEmpty, "nothing was answered")
    }

    @Test("AWS's error answers: ClusterNotFound (404, XML) and ResourceNotFoundException (400, JSON)")
    func notFound() async throws {
        let fixture = try await CredentialsFixture(region: "us-east-1")
        let cluster = try await #require(throws: IAMLoginError.self) {
            try await fetcher(
                "redshift://10.0.0.5:5439/dev?iam=true&cluster_id=missing-cluster&region=us-east-1", fixture
            )
            .fetch()
        }
        #expect(cluster.awsCode == "ClusterNotFound" && cluster.httpStatus == 404)
        #expect(cluster.requestID == "0f6c2e55-8a4b-4e31-b5a9-3d2e7c9b1a02")
        #expect("\(cluster)".contains("Cluster missing-cluster not found."))
        let workgroup = try await #require(throws: IAMLoginError.self) {
            try await fetcher("redshift://10.0.0.5:5439/dev?iam=true&workgroup=missing&region=us-east-1", fixture)
                .fetch()
        }
        #expect(workgroup.action == "GetCredentials")
        #expect(workgroup.awsCode == "ResourceNotFoundException" && workgroup.httpStatus == 400)
        #expect(workgroup.message == "Workgroup missing not found.")
        #expect(try fixture.received().count == 2, "a 4xx is not retried")
    }

    @Test("a request signed for another region than the endpoint's is refused, for either action")
    func wrongRegion() async throws {
        let fixture = try await CredentialsFixture(region: "us-west-2")
        for (target, code) in [
            ("cluster_id=examplecluster", "SignatureDoesNotMatch"),
            ("workgroup=analytics", "InvalidSignatureException"),
        ] {
            let error = try await #require(throws: IAMLoginError.self) {
                try await fetcher("redshift://10.0.0.5/dev?iam=true&\(target)&region=eu-central-1", fixture).fetch()
            }
            #expect(error.awsCode == code && error.httpStatus == 403)
            #expect(error.message.contains("valid region, not 'eu-central-1'"), "\(error.message)")
        }
        #expect(try fixture.received().isEmpty, "nothing was answered")
    }

    @Test("a 503 is retried, signed anew, and the second answer is read")
    func retriesUnavailable() async throws {
        let fixture = try await CredentialsFixture(region: "us-west-2", mode: .unavailableOnce)
        let login = try await fetcher(
            "redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com/dev?iam=true", fixture
        ).fetch()
        #expect(login.user == "IAMR:loader")
        let received = try fixture.received()
        #expect(received.count == 2 && received.allSatisfy { $0.body.contains("ClusterIdentifier=examplecluster") })
    }

    @Test("an AWS message quoting the session token reaches the error redacted, and is not retried")
    func echoedTokenRedacted() async throws {
        let fixture = try await CredentialsFixture(region: "eu-west-1", mode: .echoToken)
        for url in [
            "redshift://examplecluster.abc123xyz789.eu-west-1.redshift.amazonaws.com/dev?iam=true",
            "redshift://analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com/dev?iam=true",
        ] {
            let error = try await #require(throws: IAMLoginError.self) { try await fetcher(url, fixture).fetch() }
            #expect(error.awsCode == "AccessDenied" && error.httpStatus == 403)
            #expect(error.message == "not authorized with session token ***", "\(error.message)")
            #expect(!"\(error)".contains(CredentialsFixture.sessionToken))
            #expect(!String(reflecting: error).contains(CredentialsFixture.sessionToken))
        }
        #expect(try fixture.received().count == 2, "one request each: a 403 is not retried")
    }
}
