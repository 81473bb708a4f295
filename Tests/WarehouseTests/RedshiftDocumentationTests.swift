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
}
