import Frames
import Testing
import Warehouse

@testable import Stevedore

/// What a new table's columns are created as, from the values alone: headroom on both warehouses.
@Suite("created types")
struct CreatedTypesTests {
    static func inference(_ rows: [[String?]], names: [String], pinned: [String: ColumnType] = [:]) throws
        -> SchemaInference
    {
        var inference = SchemaInference(pinnedTypes: pinned)
        try inference.observe(TextBatch(columnNames: names, rows: rows))
        return inference
    }

    static let names = ["id", "qty", "price", "ratio", "code", "note", "doc", "big", "day", "pinned"]
    static let rows: [[String?]] = [
        [
            "1", "5", "7.50", "0.30000000000000004", "A-1", String(repeating: "x", count: 300), #"{"a":1}"#,
            "123456789012345678901234567890.5", "2024-01-01", "3",
        ],
        ["2", "6", "10.125", "1e-7", "B-22", "short", #"[1]"#, "1", "2024-01-02", "4"],
    ]

    @Test("Redshift: BIGINT, DECIMAL(38,s), rounded VARCHAR, SUPER for JSON; pins kept exactly")
    func redshift() throws {
        let inference = try Self.inference(Self.rows, names: Self.names, pinned: ["pinned": .smallint, "doc": .json])
        let plan = try SchemaPlan.make(
            existing: nil, incoming: inference, dialect: RedshiftDialect(), table: "analytics.t")
        let sql = RedshiftDialect().createTable(
            TableName(schema: "analytics", table: "t"),
            columns: try #require(plan.createColumns)
        ).sql
        #expect(
            sql == #"CREATE TABLE IF NOT EXISTS "analytics"."t" ("id" BIGINT, "qty" BIGINT, "price" DECIMAL(38,3), "#
                + #""ratio" DOUBLE PRECISION, "code" VARCHAR(256), "note" VARCHAR(512), "doc" SUPER, "big" DECIMAL(38,1), "#
                + #""day" DATE, "pinned" SMALLINT) DISTSTYLE AUTO ENCODE AUTO"#)
        #expect(plan.notes.isEmpty)
        // 39 digits are beyond every Redshift DECIMAL: text, and the plan says so.
        let wide = try Self.inference([["1234567890123456789012345678901234567.89"]], names: ["n"])
        let widePlan = try SchemaPlan.make(
            existing: nil, incoming: wide, dialect: RedshiftDialect(), table: "analytics.t")
        #expect(widePlan.createColumns?.first?.type == .varchar(maxBytes: 256))
        #expect(widePlan.notes.first?.contains("no redshift decimal type holds") == true)
        // NaN beside a number exact only as numeric: PostgreSQL's numeric holds both, no DECIMAL does.
        let odd = try Self.inference([["NaN"], ["0.30000000000000005"]], names: ["odd"])
        let oddPlan = try SchemaPlan.make(
            existing: nil, incoming: odd, dialect: RedshiftDialect(), table: "analytics.t")
        #expect(oddPlan.createColumns?.first?.type == .varchar(maxBytes: 256))
        #expect(oddPlan.notes.first?.contains("NaN or infinite") == true, "\(oddPlan.notes)")
        let onPostgres = try SchemaPlan.make(
            existing: nil, incoming: odd, dialect: PostgresDialect(), table: "analytics.t")
        #expect(onPostgres.createColumns?.first?.type == .numeric)
        #expect(onPostgres.notes.isEmpty)
    }

    @Test("PostgreSQL: bigint, numeric, text, jsonb; integers pinned narrower stay so")
    func postgres() throws {
        let inference = try Self.inference(Self.rows, names: Self.names, pinned: ["pinned": .smallint])
        let plan = try SchemaPlan.make(
            existing: nil, incoming: inference, dialect: PostgresDialect(), table: "analytics.t")
        let types = try #require(plan.createColumns).map { PostgresDialect().typeName($0.type) }
        #expect(
            types == [
                "bigint", "bigint", "numeric", "double precision", "text", "text", "text", "numeric", "date",
                "smallint",
            ])
    }

    @Test("a union keeps the existing kind: integers into a numeric(p,s) widen it to numeric")
    func unions() {
        #expect(TypeMapping.union(.decimal(precision: 12, scale: 2), .bigint) == .numeric)
        #expect(
            TypeMapping.union(.decimal(precision: 12, scale: 2), .decimal(precision: 38, scale: 2))
                == .decimal(precision: 38, scale: 2))
        #expect(TypeMapping.union(.integer, .bigint) == .bigint)
        #expect(TypeMapping.union(.smallint, .numeric) == .numeric)
        #expect(TypeMapping.union(.varchar(maxBytes: 10), .varchar(maxBytes: 30)) == .varchar(maxBytes: 30))
        #expect(TypeMapping.union(.double, .varchar(maxBytes: 3)) == .varchar(maxBytes: 3))
    }

    @Test("rewrites: integer growth and scale changes rewrite on PostgreSQL; varchar and precision growth do not")
    func rewrites() {
        let postgres = PostgresDialect()
        #expect(postgres.rewritesTable(from: .integer, to: .bigint))
        #expect(postgres.rewritesTable(from: .decimal(precision: 12, scale: 2), to: .decimal(precision: 13, scale: 3)))
        #expect(!postgres.rewritesTable(from: .decimal(precision: 12, scale: 2), to: .decimal(precision: 14, scale: 2)))
        #expect(!postgres.rewritesTable(from: .decimal(precision: 12, scale: 2), to: .numeric))
        #expect(!postgres.rewritesTable(from: .varchar(maxBytes: 10), to: .text))
        #expect(!RedshiftDialect().rewritesTable(from: .varchar(maxBytes: 256), to: .varchar(maxBytes: 1024)))
    }
}
