import Foundation
import IAMLogin
import Testing
import Warehouse

/// The `redshift://…?iam=true` URL: what it asks for, what libpq gets, and what it refuses.
@Suite("The IAM login URL")
struct RedshiftIAMLoginTests {
    @Test("the cluster or workgroup and region come from the standard endpoint host")
    func derived() throws {
        let cluster = try #require(
            try RedshiftIAMLogin.parse(
                "redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com:5439/dev?iam=true"))
        #expect(
            cluster
                == RedshiftIAMLogin(
                    target: .cluster(identifier: "examplecluster"), region: "us-west-2", database: "dev"))
        let workgroup = try #require(
            try RedshiftIAMLogin.parse(
                "redshift://analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com:5439/dev?iam=true&duration=3600"
            ))
        #expect(workgroup.target == .workgroup(name: "analytics") && workgroup.region == "eu-west-1")
        #expect(workgroup.durationSeconds == 3600)
    }

    @Test("query parameters override the host; the URL libpq gets keeps only its own")
    func overrides() throws {
        let url =
            "redshift://proxy.internal:5439/dev?sslmode=require&iam=true&cluster_id=other&region=ap-south-1"
            + "&iam_endpoint=http://127.0.0.1:9"
        let login = try #require(try RedshiftIAMLogin.parse(url))
        #expect(login.target == .cluster(identifier: "other") && login.region == "ap-south-1")
        #expect(login.endpoint == "http://127.0.0.1:9")
        #expect(WarehouseURL.parse(url).connectionString == "postgres://proxy.internal:5439/dev?sslmode=require")
        #expect(try RedshiftIAMLogin.parse("redshift://u:p@host:5439/dev") == nil)
        #expect(try RedshiftIAMLogin.parse("redshift://host/dev?iam=false") == nil)
    }

    @Test(
        "what it refuses, before any request",
        arguments: [
            ("redshift://10.0.0.5/dev?iam=true", "needs the cluster or workgroup"),
            ("redshift://h/dev?iam=true&cluster_id=a&workgroup=bbb", "give one"),
            ("redshift://h/dev?iam=true&cluster_id=a&duration=60", "900 to 3600"),
            ("redshift://h/dev?iam=maybe&cluster_id=a", "true or false, not 'maybe'"),
            ("redshift://h/dev?cluster_id=a", "only with iam=true"),
            ("redshift://h/dev?iam=false&cluster_id=x", "'cluster_id' applies only with iam=true, not iam=false"),
            ("redshift://loader@h/dev?iam=true&cluster_id=a", "remove the user and password"),
            ("redshift://loader:secret@h/dev?iam=true&cluster_id=a", "remove the user and password"),
            ("redshift://h/dev?iam=true&cluster_id=a&iam_endpoint=http://10.0.0.9:80", "plain http to another host"),
            ("redshift://h/dev?iam=true&cluster_id=a&iam_endpoint=ftp://127.0.0.1", "must be an https://"),
            ("redshift://h/dev?iam=true&cluster_id=a&iam_endpoint=not%20a%20url", "is not a URL"),
        ])
    func refused(url: String, message: String) {
        #expect(!message.contains("secret"))
        #expect(throws: WarehouseError.self) { try RedshiftIAMLogin.parse(url) }
        do {
            _ = try RedshiftIAMLogin.parse(url)
        } catch let error as WarehouseError {
            #expect(error.code == .invalidRequest && error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("an https endpoint, or plain http to loopback only, is accepted")
    func endpoints() throws {
        for endpoint in [
            "https://vpce-1.redshift.eu-west-1.vpce.amazonaws.com", "http://127.0.0.1:8080", "http://localhost:1",
        ] {
            let login = try #require(
                try RedshiftIAMLogin.parse("redshift://h/dev?iam=true&cluster_id=a&iam_endpoint=\(endpoint)"))
            #expect(login.endpoint == endpoint)
        }
    }

    @Test("libpq gets the URL's own bytes: unchanged without IAM parameters, only those items removed with them")
    func untouchedBytes() {
        let plain = "redshift://loader:p%40ss%2Fw%3Ard@host:5439/dev?options=-c%20search_path%3Dx&sslmode=require"
        #expect(RedshiftIAMLogin.removingParameters(from: plain) == plain)
        #expect(WarehouseURL.parse(plain).connectionString == "postgres://" + plain.dropFirst("redshift://".count))
        let iam = "redshift://host:5439/dev?options=-c%20search_path%3Dx&iam=true&cluster_id=c&sslmode=require"
        #expect(
            RedshiftIAMLogin.removingParameters(from: iam)
                == "redshift://host:5439/dev?options=-c%20search_path%3Dx&sslmode=require")
        #expect(
            RedshiftIAMLogin.removingParameters(from: "redshift://h/dev?iam=true&cluster_id=c") == "redshift://h/dev")
        #expect(
            RedshiftIAMLogin.removingParameters(from: "redshift://h/dev?cluster%5Fid=c&a=b") == "redshift://h/dev?a=b")
    }
}
