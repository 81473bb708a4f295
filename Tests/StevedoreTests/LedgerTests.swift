import Foundation
import Testing
import Warehouse

@testable import Stevedore

/// The ledger's DDL in `sql/` is the same text the Loader runs, and its Redshift INSERT is golden.
@Suite("Load ledger SQL")
struct LedgerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The statements as a script: each followed by `;` and a blank line, after the file's `--` header.
    static func script(_ dialect: any Dialect) -> String {
        LoadLedger().createStatements(for: dialect).map { $0 + ";\n" }.joined(separator: "\n")
    }

    static func fileBody(_ name: String) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("sql/\(name)"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("--") || $0.isEmpty }.joined(separator: "\n")
    }

    @Test("sql/ledger.postgres.sql is what the Loader creates on PostgreSQL")
    func postgresFile() throws {
        #expect(try Self.fileBody("ledger.postgres.sql") == Self.script(PostgresDialect()))
    }

    @Test("sql/ledger.redshift.sql is what the Loader creates on Redshift")
    func redshiftFile() throws {
        #expect(try Self.fileBody("ledger.redshift.sql") == Self.script(RedshiftDialect()))
    }

    @Test("the ledger INSERT on Redshift matches its golden text and binds every value")
    func redshiftInsert() throws {
        let record = LoadLedger.row(
            loadID: LoadID(rawValue: "20240102T030405006Z-0badcafe"),
            table: TableRef(schema: "analytics", table: "sales"),
            partition: .day("2024-01-02", column: "sale_date"), mode: .replacePartition, rows: 1000,
            uncompressedBytes: 52_000, compressedBytes: 9_100, parts: 2,
            stagePrefix: "s3://stage/stevedore/analytics/sales/day=2024-01-02/20240102T030405006Z-0badcafe/",
            contentSHA256: String(repeating: "ab", count: 32), startedAt: "2024-01-02T03:04:05Z")
        let statement = LoadLedger().insert(record, dialect: RedshiftDialect())
        let golden = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/redshift/ledger_insert.sql"),
            encoding: .utf8)
        #expect(statement.sql + "\n" == golden)
        #expect(
            statement.parameters == [
                "20240102T030405006Z-0badcafe", "analytics", "sales", "day=2024-01-02", #"{"day":"2024-01-02"}"#,
                "partition", "1000", "52000", "9100", "2", record.stagePrefix, record.contentSHA256,
                "2024-01-02T03:04:05Z", StevedoreVersion.current,
            ])
    }

    @Test("partition labels, JSON and path segments")
    func partitionText() {
        let two = PartitionSpec([
            .init("day", .column("d"), .value("2024-01-02")), .init("region", .column("r"), .value("eu/west \"x\"")),
        ])
        #expect(two.label == #"day=2024-01-02/region=eu/west "x""#)
        #expect(two.json == #"{"day":"2024-01-02","region":"eu/west \"x\""}"#)
        #expect(two.pathSegment == "day=2024-01-02+region=eu%2Fwest%20%22x%22")
        #expect(PartitionSpec.range(first: "1", last: "9", column: "n").json == #"{"n":{"first":"1","last":"9"}}"#)
        #expect(PartitionSpec.window(start: "a", end: "b", column: "t").label == "t=[a,b)")
        let condition = two.condition(dialect: PostgresDialect(), types: ["d": .date])
        #expect(condition.sql == #""d" = CAST($1 AS date) AND "r" = $2"#)
        #expect(condition.parameters == ["2024-01-02", #"eu/west "x""#])

        let set = PartitionSpec([.init("region", .column("r"), .values(["eu", "us"]))])
        #expect(set.label == "region={eu,us}")
        #expect(set.json == #"{"region":["eu","us"]}"#)
        #expect(set.pathSegment == "region=%7Beu%2Cus%7D")
        let inList = set.condition(dialect: RedshiftDialect(), types: ["r": .varchar(maxBytes: 8)])
        #expect(inList.sql == #""r" IN (CAST($1 AS VARCHAR(8)), CAST($2 AS VARCHAR(8)))"#)
        #expect(inList.parameters == ["eu", "us"])
        #expect(
            PartitionSpec([.init("region", .column("r"), .values([]))]).condition(dialect: PostgresDialect()).sql
                == "FALSE")
    }

    @Test("load ids sort by time and never repeat")
    func loadIDs() {
        let early = LoadID.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let late = LoadID.make(at: Date(timeIntervalSince1970: 1_700_000_000.5))
        #expect(early.rawValue.hasPrefix("20231114T221320000Z-"))
        #expect(early < late)
        #expect(Set((0..<1000).map { _ in LoadID.make().rawValue }).count == 1000)
    }

    @Test("a load id gives back its start, and finds its load's folder in a stage key")
    func loadIDStart() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123)
        let id = LoadID.make(at: date)
        #expect(abs(id.startedAt!.timeIntervalSince(date)) < 0.001)
        for notAnID in [
            "", "20231114T221320000Z", "20231114T221320000Z-XYZ00000", "2023111xT221320000Z-0badc0de",
            "20231314T221320000Z-0badc0de", "part-00001.csv.gz",
        ] {
            #expect(LoadID(rawValue: notAnID).startedAt == nil, "\(notAnID)")
        }
        let raw = id.rawValue
        #expect(
            Loader.loadFolder(of: "stevedore/s/t/_all/\(raw)/part-00001.csv.gz", under: "stevedore/")?.0
                == "stevedore/s/t/_all/\(raw)/")
        // A partition path may have several segments; the id is the first segment that is one.
        #expect(
            Loader.loadFolder(of: "stevedore/s/t/day=2024-01-01/region=eu/\(raw)/manifest.json", under: "stevedore/")?.0
                == "stevedore/s/t/day=2024-01-01/region=eu/\(raw)/")
        #expect(Loader.loadFolder(of: "stevedore/s/t/_all/\(raw)", under: "stevedore/") == nil, "no object inside")
        #expect(Loader.loadFolder(of: "stevedore/\(raw)/x/y/z", under: "stevedore/") == nil, "not below schema/table")
        #expect(Loader.loadFolder(of: "other/s/t/_all/\(raw)/part", under: "stevedore/") == nil)
    }

    @Test("membership compares values as what they are")
    func membership() {
        #expect(PartitionMembership.contains(.value("7"), "07") == false)
        #expect(PartitionMembership.contains(.value("7"), "+7") == true)
        #expect(PartitionMembership.contains(.value("1.5"), "1.50") == true)
        #expect(PartitionMembership.contains(.value("2024-01-02"), "2024-01-02") == true)
        #expect(
            PartitionMembership.contains(.range(first: "2024-01-01", last: "2024-01-31"), "2024-01-31 23:59:59")
                == false)
        #expect(
            PartitionMembership.contains(.window(start: "2024-01-01", end: "2024-02-01"), "2024-01-31 23:59:59") == true
        )
        #expect(PartitionMembership.contains(.range(first: "9", last: "10"), "10") == true)
        #expect(PartitionMembership.contains(.range(first: "a", last: "c"), "b") == true)
        #expect(PartitionMembership.contains(.value("eu"), nil) == false)
    }
}
