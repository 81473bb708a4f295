import Foundation
import Testing

@testable import Warehouse

/// Redshift cannot be reached from here: its SQL is compared exactly with the golden files in
/// `Tests/Fixtures/redshift`, one per statement kind, each reviewed against the Redshift docs.
@Suite("Redshift dialect")
struct RedshiftDialectTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/redshift")

    let dialect = RedshiftDialect()
    let sales = TableName(schema: "analytics", table: "sales")
    let role = RedshiftAuthorization.iamRole("arn:aws:iam::123456789012:role/StevedoreLoader")
    let keys = RedshiftAuthorization.accessKeys(
        id: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        sessionToken: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN")
    let saleDay = SQLCondition("\"sale_date\" = CAST($1 AS DATE)", ["2024-01-02"])

    /// The golden file's text without its final newline.
    static func golden(_ name: String) throws -> String {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    static func expectGolden(_ sql: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(sql == (try golden(name)), "\(name) differs", sourceLocation: sourceLocation)
    }

    @Test("CREATE SCHEMA")
    func createSchema() throws {
        let statement = dialect.createSchema("analytics")
        try Self.expectGolden(statement.sql, "create_schema.sql")
        #expect(statement.parameters.isEmpty)
    }

    @Test("CREATE TABLE with every type and hostile names")
    func createTableEveryType() throws {
        let table = TableName(schema: "analytics", table: #"sales"; DROP TABLE users; --"#)
        // Every type, as on PostgreSQL, with Redshift's own hostile name (VARCHAR counts bytes).
        let columns =
            Array(PostgresDialectTests.everyType.dropLast())
            + [ColumnDefinition(name: #"we"ird; DELETE FROM x; --"#, type: .varchar(maxBytes: 10))]
        try Self.expectGolden(dialect.createTable(table, columns: columns).sql, "create_table_every_type.sql")
    }

    @Test("CREATE TABLE of the types Arrow adds, and the one Redshift has no column for")
    func createTableArrowTypes() throws {
        let columns = [
            ColumnDefinition(name: "float32", type: .real), ColumnDefinition(name: "time64", type: .time),
            ColumnDefinition(name: "binary", type: .binary, isNullable: false),
            ColumnDefinition(name: "uint64", type: .decimal(precision: 20, scale: 0)),
            ColumnDefinition(name: "list", type: .json),
        ]
        try Self.expectGolden(dialect.createTable(sales, columns: columns).sql, "create_table_arrow_types.sql")
        #expect(dialect.refusal(ofColumnType: .interval)?.contains("no column type for a duration") == true)
        #expect([SQLType.real, .time, .binary, .json].allSatisfy { dialect.refusal(ofColumnType: $0) == nil })
        #expect(PostgresDialect().refusal(ofColumnType: .interval) == nil)
        // Nineteen digits overflow the 8 bytes Redshift keeps DECIMAL(19,s) in; the scale stops at 37.
        #expect(dialect.typeName(.decimal(precision: 19, scale: 2)) == "DECIMAL(20,2)")
        #expect(dialect.typeName(.decimal(precision: 18, scale: 2)) == "DECIMAL(18,2)")
        #expect(dialect.refusal(ofColumnType: .decimal(precision: 38, scale: 38))?.contains("at most 37") == true)
        #expect(dialect.refusal(ofColumnType: .decimal(precision: 38, scale: 37)) == nil)
    }

    /// The columns of the table-design goldens: a key column with a hostile name among them.
    static let designColumns = [
        ColumnDefinition(name: "id", type: .bigint, isNullable: false),
        ColumnDefinition(name: "customer_id", type: .bigint),
        ColumnDefinition(name: "sale_date", type: .date, isNullable: false),
        ColumnDefinition(name: "amount", type: .decimal(precision: 38, scale: 2)),
        ColumnDefinition(name: #"we"ird"#, type: .varchar(maxBytes: 256)),
    ]

    @Test(
        "CREATE TABLE with each distribution style and sort key",
        arguments: [
            (TableDesign(sortKeys: ["sale_date"]), "create_table_sort_key.sql"),
            (TableDesign(distributionStyle: .auto, sortKeys: ["sale_date"]), "create_table_sort_key.sql"),
            (TableDesign(distributionStyle: .even), "create_table_dist_even.sql"),
            (
                TableDesign(distributionStyle: .even, sortKeys: ["sale_date", "id"]),
                "create_table_dist_even_sort_keys.sql"
            ),
            (TableDesign(distributionStyle: .all), "create_table_dist_all.sql"),
            (TableDesign(distributionStyle: .all, sortKeys: ["sale_date"]), "create_table_dist_all_sort_key.sql"),
            (TableDesign(distributionKey: "customer_id"), "create_table_dist_key.sql"),
            (TableDesign(distributionStyle: .key, distributionKey: "customer_id"), "create_table_dist_key.sql"),
            (
                TableDesign(
                    distributionStyle: .key, distributionKey: #"we"ird"#, sortKeys: ["sale_date", #"we"ird"#, "id"]),
                "create_table_dist_key_sort_keys.sql"
            ),
        ])
    func createTableDesign(design: TableDesign, golden: String) throws {
        #expect(dialect.refusal(ofTableDesign: design) == nil)
        let statement = dialect.createTable(sales, columns: Self.designColumns, design: design)
        try Self.expectGolden(statement.sql, golden)
        #expect(statement.parameters.isEmpty)
    }

    @Test("Table designs Redshift refuses, and PostgreSQL refuses every design but the default")
    func tableDesignRefusals() {
        let refused: [(TableDesign, String)] = [
            (TableDesign(distributionStyle: .key), "needs a distribution key column (--dist-key)"),
            (
                TableDesign(distributionStyle: .even, distributionKey: "id"),
                "needs the distribution style key, not even"
            ),
            (TableDesign(distributionStyle: .all, distributionKey: "id"), "not all (--dist-style)"),
            (TableDesign(distributionStyle: .auto, distributionKey: "id"), "not auto (--dist-style)"),
            (TableDesign(sortKeys: ["a", "b", "a"]), "names the column 'a' twice"),
            (TableDesign(sortKeys: (0...400).map { "c\($0)" }), "at most 400 columns, not 401"),
            (TableDesign(distributionKey: ""), "is empty"),
            (TableDesign(sortKeys: [""]), "is empty"),
        ]
        for (design, message) in refused {
            let refusal = dialect.refusal(ofTableDesign: design)
            #expect(refusal?.contains(message) == true, "\(design): \(refusal ?? "nil")")
        }
        #expect(dialect.refusal(ofTableDesign: TableDesign(sortKeys: (1...400).map { "c\($0)" })) == nil)
        #expect(dialect.refusal(ofTableDesign: TableDesign()) == nil)
        let postgres = PostgresDialect()
        #expect(postgres.refusal(ofTableDesign: TableDesign()) == nil)
        for design in [
            TableDesign(distributionKey: "id"), TableDesign(distributionStyle: .auto), TableDesign(sortKeys: ["d"]),
        ] {
            #expect(postgres.refusal(ofTableDesign: design)?.contains("are Redshift's") == true)
        }
        // PostgreSQL's DDL has no table attributes.
        #expect(!postgres.createTable(sales, columns: Self.designColumns).sql.contains("DISTSTYLE"))
    }

    @Test("the slice count query")
    func sliceCount() throws {
        let statement = try #require(dialect.sliceCount())
        try Self.expectGolden(statement.sql, "slice_count.sql")
        #expect(statement.parameters.isEmpty)
    }

    @Test("ADD COLUMN and VARCHAR widening")
    func alterTable() throws {
        try Self.expectGolden(
            dialect.addColumn(sales, ColumnDefinition(name: "region", type: .varchar(maxBytes: 64), isNullable: false))
                .sql,
            "add_column.sql")
        try Self.expectGolden(
            dialect.alterColumnType(sales, column: "code", to: .varchar(maxBytes: 512)).sql, "widen_varchar.sql")
    }

    @Test("DELETE of one partition value")
    func deleteValue() throws {
        let statement = dialect.delete(sales, where: saleDay)
        try Self.expectGolden(statement.sql, "delete_partition_value.sql")
        #expect(statement.parameters == ["2024-01-02"])
    }

    @Test("DELETE of a key range, first and last inclusive")
    func deleteRange() throws {
        let range = SQLCondition(
            "\"sale_date\" >= CAST($1 AS DATE) AND \"sale_date\" <= CAST($2 AS DATE)", ["2024-01-01", "2024-01-07"])
        let statement = dialect.delete(sales, where: range)
        try Self.expectGolden(statement.sql, "delete_partition_range.sql")
        #expect(statement.parameters == ["2024-01-01", "2024-01-07"])
    }

    @Test("DELETE of a time window [start, end)")
    func deleteWindow() throws {
        let window = SQLCondition(
            "\"sold_at\" >= CAST($1 AS TIMESTAMP) AND \"sold_at\" < CAST($2 AS TIMESTAMP)",
            ["2024-01-02 00:00:00", "2024-01-03 00:00:00"])
        let statement = dialect.delete(sales, where: window)
        try Self.expectGolden(statement.sql, "delete_partition_window.sql")
        #expect(statement.parameters == ["2024-01-02 00:00:00", "2024-01-03 00:00:00"])
    }

    @Test("DELETE of a two-dimension key")
    func deleteTwoDimensions() throws {
        let statement = dialect.delete(sales, where: saleDay && SQLCondition("\"region\" = $1", ["eu-west"]))
        try Self.expectGolden(statement.sql, "delete_partition_two_dimensions.sql")
        #expect(statement.parameters == ["2024-01-02", "eu-west"])
    }

    @Test("COPY from a manifest with an IAM role and a region")
    func copyIAMRole() throws {
        let sql = try dialect.copyFromManifest(
            sales, columns: ["id", "amount", "sale_date", "note"],
            manifestURL: "s3://stevedore-stage/loads/analytics/sales/2024-01-02/01J0ABCDEF/manifest.json",
            authorization: role, region: "eu-west-1")
        try Self.expectGolden(sql, "copy_iam_role.sql")
    }

    @Test("COPY from a manifest with access keys and a session token")
    func copyAccessKeys() throws {
        let sql = try dialect.copyFromManifest(
            sales, columns: ["id", "amount", "sale_date", "note"],
            manifestURL: "s3://stevedore-stage/loads/analytics/sales/2024-01-02/01J0ABCDEF/manifest.json",
            authorization: keys, region: nil)
        try Self.expectGolden(sql, "copy_access_keys.sql")
    }

    @Test("merge: temporary table, DELETE USING, INSERT SELECT")
    func merge() throws {
        try Self.expectGolden(
            dialect.createTemporaryTable("stevedore_merge_01j0abcdef", like: sales).sql, "merge_create_temp.sql")
        try Self.expectGolden(
            dialect.mergeDelete(target: sales, staging: "stevedore_merge_01j0abcdef", keys: ["id", "region"]).sql,
            "merge_delete.sql")
        try Self.expectGolden(
            dialect.insertSelect(into: sales, columns: ["id", "region", "amount"], from: "stevedore_merge_01j0abcdef")
                .sql,
            "merge_insert.sql")
    }

    @Test("UNLOAD of a partition, the condition's values inlined")
    func unload() throws {
        let select = dialect.select(["id", "amount", "sale_date"], from: sales, where: saleDay, orderBy: ["id"])
        let query = try dialect.inlineParameters(select)
        let sql = try dialect.unload(
            query: query, to: "s3://stevedore-stage/unload/analytics/sales/01J0ABCDEF/part_", authorization: role,
            region: "eu-west-1")
        try Self.expectGolden(sql, "unload.sql")
    }

    @Test("UNLOAD of text columns with NULL flags, so a text \\N never reads as NULL")
    func unloadNullFlags() throws {
        let select = dialect.unloadSelect(
            ["id", "note", "amount"], flaggingNulls: ["note"], from: sales, where: saleDay)
        #expect(select.parameters == ["2024-01-02"])
        let sql = try dialect.unload(
            query: try dialect.inlineParameters(select),
            to: "s3://stevedore-stage/unload/analytics/sales/01J0ABCDEF/", authorization: role, region: nil)
        try Self.expectGolden(sql, "unload_null_flags.sql")
    }

    @Test("LOCK of one table, LOCK of the target and the ledger, and the load-error query")
    func lockAndLoadErrors() throws {
        let lock = dialect.lock(sales, lockName: "analytics.sales/2024-01-02")
        try Self.expectGolden(lock.sql, "lock.sql")
        #expect(lock.parameters.isEmpty)
        let both = dialect.lock([sales, TableName(schema: "stevedore", table: "load_history")])
        try Self.expectGolden(both.sql, "lock_target_and_ledger.sql")
        let errors = dialect.loadErrors(loadID: "20240612T093015123Z-9f3a61c2")
        try Self.expectGolden(errors.sql, "load_errors.sql")
        #expect(errors.parameters == ["20240612T093015123Z-9f3a61c2"])
        let details = dialect.loadErrorDetails(loadID: "20240612T093015123Z-9f3a61c2")
        try Self.expectGolden(details.sql, "load_error_detail.sql")
        #expect(
            dialect.loadErrorQueries(loadID: "x", limit: 20).map(\.sql) == [
                dialect.loadErrorDetails(loadID: "x").sql, dialect.loadErrors(loadID: "x").sql,
            ], "SYS_LOAD_ERROR_DETAIL first, then STL_LOAD_ERRORS")
    }

    @Test("a merge key ending in a blank is found by LENGTH against RTRIM; Redshift ignores such blanks in =")
    func trailingBlankKeys() throws {
        #expect(dialect.ignoresTrailingBlanks && !PostgresDialect().ignoresTrailingBlanks)
        try Self.expectGolden(
            dialect.trailingBlankKey(in: "stevedore_load_01j0abcdef", keys: ["id", "region"]).sql,
            "merge_trailing_blank_key.sql")
    }

    @Test("the authorization never prints the secret or the session token")
    func authorizationDescription() {
        for text in [String(describing: keys), String(reflecting: keys), "\(keys)"] {
            #expect(!text.contains("wJalrXUtnFEMI"))
            #expect(!text.contains("FwoGZXIvYXdz"))
        }
        var dumped = ""
        dump(keys, to: &dumped)
        #expect(!dumped.contains("wJalrXUtnFEMI"))
        #expect(!dumped.contains("FwoGZXIvYXdz"))
        #expect(String(describing: role).contains("StevedoreLoader"))
        #expect((try? RedshiftAuthorization.defaultRole.clause()) == "IAM_ROLE default")
    }

    @Test("a backslash in a COPY or UNLOAD value is refused, not guessed at")
    func backslashRefused() {
        #expect(throws: WarehouseError.self) {
            try dialect.copyFromManifest(
                sales, columns: [], manifestURL: #"s3://b/a\b/manifest.json"#,
                authorization: role, region: nil)
        }
        #expect(throws: WarehouseError.self) {
            try dialect.unload(query: #"SELECT '\N'"#, to: "s3://b/p_", authorization: role, region: nil)
        }
        #expect(throws: WarehouseError.self) {
            try dialect.inlineParameters(SQLStatement("SELECT $1", [#"a\'b"#]))
        }
        #expect(throws: WarehouseError.self) { try dialect.inlineParameters(SQLStatement("SELECT $2", ["a"])) }
    }

    @Test("parameters are inlined as literals, placeholders inside quoted names are left alone")
    func inlining() throws {
        let statement = SQLStatement(#"SELECT "a$1", '$2' FROM t WHERE x = $1 AND y = $2"#, ["it's", nil])
        #expect(try dialect.inlineParameters(statement) == #"SELECT "a$1", '$2' FROM t WHERE x = 'it''s' AND y = NULL"#)
    }

    @Test("catalog names fold to lower case and data types read back")
    func catalog() {
        let columns = dialect.tableColumns(TableName(schema: "Analytics", table: "Sales_Ü"))
        #expect(columns.parameters == ["analytics", "sales_Ü"])
        #expect(columns.sql.contains("information_schema.columns"))
        let cases: [(String, Int?, Int?, Int?, SQLType?)] = [
            ("character varying", 32, nil, nil, .varchar(maxBytes: 32)),
            ("character varying", nil, nil, nil, .varchar(maxBytes: 256)),
            ("numeric", nil, 38, 4, .decimal(precision: 38, scale: 4)),
            ("timestamp without time zone", nil, nil, nil, .timestamp),
            ("timestamp with time zone", nil, nil, nil, .timestamptz),
            ("double precision", nil, 53, nil, .double),
            ("boolean", nil, nil, nil, .boolean), ("smallint", nil, 16, 0, .smallint),
            ("integer", nil, 32, 0, .integer), ("bigint", nil, 64, 0, .bigint), ("date", nil, nil, nil, .date),
            ("super", nil, nil, nil, .json), ("time without time zone", nil, nil, nil, .time),
            ("character", 3, nil, nil, nil), ("binary varying", nil, nil, nil, .binary),
            ("time with time zone", nil, nil, nil, nil),
        ]
        for (dataType, length, precision, scale, expected) in cases {
            #expect(
                dialect.sqlType(
                    dataType: dataType, characterMaximumLength: length, numericPrecision: precision,
                    numericScale: scale, datetimePrecision: nil) == expected, "\(dataType)")
        }
        #expect(dialect.storedType(.text) == .varchar(maxBytes: 65535))
        #expect(dialect.storedType(.json) == .json)
    }

    @Test("Redshift widens only VARCHAR, and only outside a transaction")
    func widening() {
        #expect(dialect.widening(from: .varchar(maxBytes: 10), to: .varchar(maxBytes: 20)) == .outsideTransaction)
        #expect(dialect.widening(from: .varchar(maxBytes: 10), to: .text) == .outsideTransaction)
        #expect(dialect.widening(from: .varchar(maxBytes: 65535), to: .text) == .insideTransaction)
        #expect(dialect.widening(from: .varchar(maxBytes: 20), to: .varchar(maxBytes: 10)) == nil)
        #expect(dialect.widening(from: .integer, to: .bigint) == nil)
        #expect(dialect.widening(from: .smallint, to: .integer) == nil)
        #expect(dialect.widening(from: .decimal(precision: 10, scale: 2), to: .decimal(precision: 12, scale: 2)) == nil)
        #expect(dialect.widening(from: .integer, to: .text) == nil)
        #expect(dialect.widening(from: .timestamp, to: .timestamptz) == nil)
        #expect(dialect.widening(from: .bigint, to: .bigint) == .insideTransaction)
    }

    @Test("identifiers: empty, too long in bytes, or holding NUL are refused by name")
    func identifiers() throws {
        try dialect.validateIdentifier(String(repeating: "a", count: 127))
        let tooLong = String(repeating: "é", count: 64)
        let error = try #require(throws: WarehouseError.self) { try dialect.validateIdentifier(tooLong) }
        #expect(error.code == .invalidRequest)
        #expect(error.message.contains(tooLong) && error.message.contains("128 bytes"))
        #expect(throws: WarehouseError.self) { try dialect.validateIdentifier("") }
        #expect(throws: WarehouseError.self) { try dialect.validateIdentifier("a\u{0}b") }
        try PostgresDialect().validateIdentifier(String(repeating: "a", count: 63))
        #expect(throws: WarehouseError.self) {
            try PostgresDialect().validateIdentifier(String(repeating: "a", count: 64))
        }
    }
}
