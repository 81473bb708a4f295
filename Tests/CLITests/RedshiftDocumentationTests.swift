import Foundation
import Scheduler
import Stevedore
import Testing

@testable import StevedoreCLI

/// docs/redshift.md's stevedore.yml is one the configuration decoder takes, meaning what the page
/// says of it (the IAM login URL, the COPY role, a fixed part size).
@Suite("docs/redshift.md's stevedore.yml")
struct RedshiftDocumentationTests {
    @Test("the page's YAML decodes through ConfigurationFile and asks for an IAM login")
    func configuration() throws {
        let text = try String(
            contentsOf: DocumentationTests.root.appendingPathComponent("docs/redshift.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map {
            $0.components(separatedBy: "```").first ?? ""
        }
        #expect(blocks.count == 1, "\(blocks.count) YAML blocks")
        let file = try ConfigurationFile.parse(try #require(blocks.first), path: "redshift.md", environment: [:])
        let url = try #require(file.warehouse(nil))
        let login = try #require(try Locations.warehouseLogin(url), "the page's warehouse logs in with IAM")
        _ = login
        #expect(Locations.warehouse(url).connectionString.hasPrefix("postgres://examplecluster."))
        #expect(file.iamRole == "arn:aws:iam::123456789012:role/StevedoreLoader")
        let job = try #require(file.jobs.first { $0.job.name == "daily_sales" }?.job)
        #expect(job.partSize == 64 << 20, "part_size: 64MiB")
        #expect(job.tableDesign.sortKeys == ["sale_date"])
        guard case .objects(let source, _) = job.source else {
            Issue.record("daily_sales reads objects: \(job.source)")
            return
        }
        #expect(source == "s3://exports/sales/{date}/*.csv.gz")
    }
}
