import Foundation
import Testing

@testable import Warehouse

/// docs/redshift.md shows only SQL the code renders: each ```sql block follows a
/// `<!-- golden: a.sql [b.sql …] -->` line and equals those golden files joined by line feeds;
/// `RedshiftDialectTests` compares every golden file with what the dialect renders.
@Suite("docs/redshift.md's SQL")
struct RedshiftDocumentationTests {
    static let page = RedshiftDialectTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/redshift.md")

    @Test("every SQL block is golden SQL")
    func blocks() throws {
        let lines = try String(contentsOf: Self.page, encoding: .utf8).components(separatedBy: "\n")
        var checked = 0
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard lines[index] == "```sql" else { continue }
            let marker = index >= 1 ? lines[index - 1] : ""
            guard marker.hasPrefix("<!-- golden: "), marker.hasSuffix(" -->") else {
                Issue.record("docs/redshift.md line \(index + 1): a SQL block without a <!-- golden: … --> line")
                continue
            }
            let names = marker.dropFirst("<!-- golden: ".count).dropLast(" -->".count).split(separator: " ")
            let end = try #require(lines[(index + 1)...].firstIndex(of: "```"))
            let shown = lines[(index + 1)..<end].joined(separator: "\n")
            let golden = try names.map { try RedshiftDialectTests.golden(String($0)) }.joined(separator: "\n")
            #expect(shown == golden, "docs/redshift.md line \(index + 1) differs from \(names.joined(separator: ", "))")
            checked += 1
        }
        #expect(checked >= 8, "\(checked) SQL blocks")
    }

    @Test("the loading user's grants: none names a schema an empty cluster does not have")
    func grants() throws {
        let empty = RedshiftDialect().loaderGrants(user: "IAMR:StevedoreRunner", database: "dev")
        try RedshiftDialectTests.expectGolden(empty.joined(separator: "\n"), "loader_grants.sql")
        #expect(empty.allSatisfy { !$0.contains("SCHEMA") })
        #expect(
            empty.first == "CREATE USER \"IAMR:StevedoreRunner\" PASSWORD DISABLE", "the user exists before a GRANT")
        let existing = RedshiftDialect().loaderGrants(
            user: "IAMR:StevedoreRunner", database: "dev", existingSchemas: ["analytics"])
        try RedshiftDialectTests.expectGolden(
            existing.dropFirst(2).joined(separator: "\n"), "loader_grants_existing_schema.sql")
    }

    /// Every ```json block of the page, parsed.
    static func jsonBlocks() throws -> [Any] {
        let text = try String(contentsOf: page, encoding: .utf8)
        return try text.components(separatedBy: "```json\n").dropFirst().map { block in
            let body = block.components(separatedBy: "```").first ?? ""
            return try JSONSerialization.jsonObject(with: Data(body.utf8))
        }
    }

    /// The statements of every policy on the page whose actions include `action`.
    static func statements(allowing action: String, in blocks: [Any]) -> [[String: Any]] {
        blocks.compactMap { ($0 as? [String: Any])?["Statement"] as? [[String: Any]] }.joined().filter { statement in
            let actions = (statement["Action"] as? [String]) ?? [(statement["Action"] as? String) ?? ""]
            return statement["Effect"] as? String == "Allow" && actions.contains(action)
        }
    }

    @Test("every JSON block parses; the policies allow what the loader, COPY and the IAM login call")
    func policies() throws {
        let blocks = try Self.jsonBlocks()
        #expect(blocks.count >= 5, "\(blocks.count) JSON blocks")
        // The runner's credentials actions, on the resources their API pages name.
        let cluster = Self.statements(allowing: "redshift:GetClusterCredentialsWithIAM", in: blocks)
        #expect(cluster.contains { ($0["Resource"] as? String)?.contains(":dbname:examplecluster/dev") == true })
        let serverless = Self.statements(allowing: "redshift-serverless:GetCredentials", in: blocks)
        #expect(serverless.contains { ($0["Resource"] as? String)?.contains(":workgroup/") == true })
        // Redshift may assume the COPY role.
        let trust = Self.statements(allowing: "sts:AssumeRole", in: blocks)
        let services = trust.compactMap { ($0["Principal"] as? [String: Any])?["Service"] as? [String] }.joined()
        #expect(Set(services) == ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"])
        // The stage: parts written, read by COPY and removed; the bucket listed.
        for action in ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"] {
            #expect(
                Self.statements(allowing: action, in: blocks).count >= 3, "\(action): the role, the runner, the bucket")
        }
        // The bucket policy names both identities as principals.
        let principals = Self.statements(allowing: "s3:PutObject", in: blocks).compactMap {
            ($0["Principal"] as? [String: Any])?["AWS"] as? [String]
        }.joined()
        #expect(
            Set(principals) == [
                "arn:aws:iam::123456789012:role/StevedoreLoader", "arn:aws:iam::123456789012:role/StevedoreRunner",
            ])
    }
}
