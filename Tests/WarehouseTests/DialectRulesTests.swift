import Testing

@testable import Warehouse

/// The pure rules of the PostgreSQL dialect and of `SQLCondition`, without a server.
@Suite("Dialect rules")
struct DialectRulesTests {
    let dialect = PostgresDialect()

    @Test("PostgreSQL widening rules")
    func widening() {
        let allowed: [(SQLType, SQLType)] = [
            (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint),
            (.smallint, .decimal(precision: 5, scale: 0)), (.integer, .decimal(precision: 12, scale: 2)),
            (.bigint, .decimal(precision: 19, scale: 0)),
            (.decimal(precision: 10, scale: 2), .decimal(precision: 12, scale: 4)),
            (.decimal(precision: 10, scale: 2), .decimal(precision: 10, scale: 2)),
            (.varchar(maxBytes: 10), .text), (.varchar(maxBytes: 10), .varchar(maxBytes: 5)), (.bigint, .bigint),
        ]
        for (from, to) in allowed {
            #expect(dialect.widening(from: from, to: to) == .insideTransaction, "\(from) → \(to)")
        }
        let refused: [(SQLType, SQLType)] = [
            (.bigint, .integer), (.integer, .smallint), (.integer, .decimal(precision: 9, scale: 0)),
            (.bigint, .decimal(precision: 20, scale: 2)),
            (.decimal(precision: 10, scale: 2), .decimal(precision: 12, scale: 1)),
            (.decimal(precision: 10, scale: 2), .decimal(precision: 11, scale: 4)),
            (.timestamp, .timestamptz), (.date, .timestamp), (.text, .integer),
            (.double, .decimal(precision: 38, scale: 10)),
            (.integer, .double), (.boolean, .integer), (.text, .json),
            (.integer, .text), (.json, .text), (.timestamptz, .text), (.boolean, .text),
        ]
        for (from, to) in refused {
            #expect(dialect.widening(from: from, to: to) == nil, "\(from) → \(to)")
        }
    }

    @Test("renumbered shifts placeholders but not text in quotes; && numbers the right side after the left")
    func conditions() {
        let condition = SQLCondition(#""a$1" = $1 AND 'x$2' <> $2 AND $10 > 0"#, ["a", "b"])
        #expect(condition.renumbered(by: 0) == condition)
        #expect(condition.renumbered(by: 3).sql == #""a$1" = $4 AND 'x$2' <> $5 AND $13 > 0"#)
        #expect(condition.renumbered(by: 3).parameters == ["a", "b"])
        let both = SQLCondition("\"d\" = $1", ["2024-01-02"]) && SQLCondition("\"r\" = $1 OR \"r\" = $2", ["eu", nil])
        #expect(both.sql == "(\"d\" = $1) AND (\"r\" = $2 OR \"r\" = $3)")
        #expect(both.parameters == ["2024-01-02", "eu", nil])
        let three = both && SQLCondition("\"h\" = $1", ["7"])
        #expect(three.sql.hasSuffix("AND (\"h\" = $4)"))
        #expect(three.parameters.count == 4)
    }

    @Test("PostgreSQL data types read back from the catalog spelling")
    func sqlTypes() {
        #expect(
            dialect.sqlType(
                dataType: "character varying", characterMaximumLength: 20, numericPrecision: nil,
                numericScale: nil, datetimePrecision: nil) == .varchar(maxBytes: 20))
        #expect(
            dialect.sqlType(
                dataType: "character varying", characterMaximumLength: nil, numericPrecision: nil,
                numericScale: nil, datetimePrecision: nil) == .text)
        #expect(
            dialect.sqlType(
                dataType: "numeric", characterMaximumLength: nil, numericPrecision: nil,
                numericScale: nil, datetimePrecision: nil) == .numeric)
        #expect(
            dialect.sqlType(
                dataType: "real", characterMaximumLength: nil, numericPrecision: 24,
                numericScale: nil, datetimePrecision: nil) == .real)
        #expect(
            dialect.sqlType(
                dataType: "uuid", characterMaximumLength: nil, numericPrecision: nil,
                numericScale: nil, datetimePrecision: nil) == nil)
        // Fewer than six fraction digits is a column the server rounds finer values into.
        let coarse = dialect.sqlType(
            dataType: "timestamp without time zone", characterMaximumLength: nil,
            numericPrecision: nil, numericScale: nil, datetimePrecision: 0)
        #expect(coarse == .coarseTimestamp(fractionDigits: 0, withTimeZone: false))
        #expect(
            dialect.sqlType(
                dataType: "timestamp with time zone", characterMaximumLength: nil, numericPrecision: nil,
                numericScale: nil, datetimePrecision: 6) == .timestamptz)
        #expect(dialect.typeName(.coarseTimestamp(fractionDigits: 3, withTimeZone: true)) == "timestamptz(3)")
        #expect(
            dialect.widening(from: .coarseTimestamp(fractionDigits: 0, withTimeZone: false), to: .timestamp)
                == .insideTransaction)
        #expect(
            dialect.widening(from: .coarseTimestamp(fractionDigits: 0, withTimeZone: false), to: .timestamptz) == nil)
        #expect(!dialect.rewritesTable(from: .coarseTimestamp(fractionDigits: 0, withTimeZone: false), to: .timestamp))
        #expect(
            dialect.copyFromStdin(TableName(schema: "s", table: "t"), columns: ["a", "b"])
                == #"COPY "s"."t" ("a", "b") FROM STDIN (FORMAT csv)"#)
        #expect(dialect.copyToStdout("SELECT 1") == "COPY (SELECT 1) TO STDOUT (FORMAT csv)")
        #expect(dialect.copyToStdout("SELECT 1", binary: true) == "COPY (SELECT 1) TO STDOUT (FORMAT binary)")
    }
}
