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
            ("redshift://h/dev?iam=maybe&cluster_id=a", "true or false"),
            ("redshift://h/dev?cluster_id=a", "only with iam=true"),
        ])
    func refused(url: String, message: String) {
        #expect(throws: WarehouseError.self) { try RedshiftIAMLogin.parse(url) }
        do {
            _ = try RedshiftIAMLogin.parse(url)
        } catch let error as WarehouseError {
            #expect(error.code == .invalidRequest && error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
