import Foundation
import TestSupport
import Testing

/// Types on data and tables nobody made for Stevedore: numbers that stay numbers, partitions that
/// look narrower than their column, every column type of an existing table, and first loads whose
/// types settle late, all through the CLI against the test services.
@Suite("column types that hold on real data", .timeLimit(.minutes(5)))
struct TypeFitTests {
    static let psql = ScheduleCommandTests.psql
    var stage: String { "s3://\(CLI.bucket)/cli-tests" }

    static func load(
        _ file: URL, _ table: String, _ extra: [String] = [], stage: String,
        environment: [String: String] = [:]
    ) async throws -> CLI.Result {
        try await CLI.run(["load", file.path, "--table", table, "--stage", stage] + extra, environment: environment)
    }

    static func types(_ schema: String, _ table: String) throws -> String {
        try psql(
            "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
                + "FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = '\(table)'")
    }

    @Test(
        "printed doubles are double precision, integers bigint, decimals numeric keeping their scale, nested JSON jsonb"
    )
    func numbersStayNumbers() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let values = ["1e308", "5e-324", "-0.0", "3.141592653589793", "2.5e-10", "1234567.125", "1", "2"]
        var csv = "id,mixed,price,small\n"
        for (index, value) in values.enumerated() { csv += "\(index + 1),\(value),\(index).50,\(index)\n" }
        let result = try await Self.load(try CLI.file("mixed.csv", csv), "\(schema).mixed", stage: stage)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.types(schema, "mixed") == "id bigint, mixed double precision, price numeric, small bigint")
        let literals = values.map { "'\($0)'::float8" }.joined(separator: ", ")
        #expect(try Self.psql("SELECT count(*) FROM \(schema).mixed WHERE mixed = ANY(ARRAY[\(literals)])") == "8")
        #expect(try Self.psql("SELECT price::text FROM \(schema).mixed WHERE id = 1") == "0.50")

        let lines = #"{"id": 1, "doc": {"a": [1, 2]}, "tags": ["x"]}"# + "\n" + #"{"id": 2, "doc": {"b": null}}"# + "\n"
        let json = try await Self.load(try CLI.file("nested.jsonl", lines), "\(schema).nested", stage: stage)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try Self.types(schema, "nested") == "id bigint, doc jsonb, tags jsonb")
        #expect(try Self.psql("SELECT doc->'a'->>1 FROM \(schema).nested WHERE id = 1") == "2")
    }

    @Test("numbers beyond a double and NaN beside inexact ones are numeric; numeric(12,2) takes exponent notation")
    func numbersBeyondDoubles() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let csv = "id,huge,odd\n1,1e400,NaN\n2,2.5,0.30000000000000005\n3,1e-400,-Infinity\n"
        let result = try await Self.load(try CLI.file("huge.csv", csv), "\(schema).huge", stage: stage)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.types(schema, "huge") == "id bigint, huge numeric, odd numeric")
        #expect(try Self.psql("SELECT huge = 1e400 AND odd = 'NaN' FROM \(schema).huge WHERE id = 1") == "t")
        #expect(try Self.psql("SELECT huge = 1e-400 AND odd = '-Infinity' FROM \(schema).huge WHERE id = 3") == "t")
        #expect(try Self.psql("SELECT odd::text FROM \(schema).huge WHERE id = 2") == "0.30000000000000005")

        try _ = Self.psql("CREATE TABLE \(schema).money (id bigint, amount numeric(12,2))")
        let money = try await Self.load(
            try CLI.file("money.csv", "id,amount\n1,1.5e3\n2,125E-2\n"), "\(schema).money",
            ["--json"], stage: stage)
        #expect(money.status == 0, "\(money.stderr)")
        #expect(
            try Self.psql("SELECT string_agg(amount::text, ' ' ORDER BY id) FROM \(schema).money") == "1500.00 1.25")
        #expect(try Self.types(schema, "money") == "id bigint, amount numeric")
        #expect(
            try Self.psql(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\(schema).money'::regclass "
                    + "AND attname = 'amount'") == "numeric(12,2)", "no DDL changed the column")
    }

    @Test("four partitions of one column (doubles, short decimals, integers, NULLs only) all load into it")
    func partitionsOfOneColumn() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let table = "\(schema).readings"
        let days: [(String, [String])] = [
            ("2024-01-01", ["0.30000000000000004", "1.7976931348623157e+308", "2.5e-10"]),
            ("2024-01-02", ["0.5", "-0.0", "12.25"]),
            ("2024-01-03", ["1", "2", "40000"]),
            ("2024-01-04", ["", "", ""]),
        ]
        for (day, values) in days {
            let csv = "day,value\n" + values.map { "\(day),\($0)\n" }.joined()
            let result = try await Self.load(
                try CLI.file("\(day).csv", csv), table, ["--partition", "day=\(day)"],
                stage: stage)
            #expect(result.status == 0, "\(day): \(result.stderr)")
        }
        #expect(try Self.types(schema, "readings") == "day date, value double precision")
        #expect(try Self.psql("SELECT count(*) || ' ' || count(value) FROM \(table)") == "12 9")
        #expect(try Self.psql("SELECT value FROM \(table) WHERE day = '2024-01-02' ORDER BY value") == "-0\n0.5\n12.25")

        // A table its owner created with double precision takes a plain file of floats and integers.
        try _ = Self.psql("CREATE TABLE \(schema).owned (dbl double precision, n bigint)")
        let floats = "dbl,n\n3.141592653589793,1\n0.1,2\n7,3\n1234567.125,4\n"
        let owned = try await Self.load(try CLI.file("floats.csv", floats), "\(schema).owned", stage: stage)
        #expect(owned.status == 0, "\(owned.stderr)")
        #expect(try Self.types(schema, "owned") == "dbl double precision, n bigint")
    }

    @Test("a load into an existing table whose values fit sends no DDL")
    func noDDLWhenValuesFit() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        try _ = Self.psql(
            "CREATE SCHEMA \(schema); CREATE TABLE \(schema).fits (amount numeric(12,2), id bigint, "
                + "ratio double precision, code varchar(10))")
        // `Größenwahn` is ten characters in twelve bytes: a varchar(10) holds it.
        let csv = "amount,id,ratio,code\n7.5,1,1,ab\n10,2,2.5,c\n,3,0.125,\n1,5,3,Größenwahn\n"
        let sent = SentStatements()
        let result = try await Self.load(
            try CLI.file("fits.csv", csv), "\(schema).fits", stage: stage,
            environment: sent.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let statements = try sent.texts()
        #expect(statements.contains { $0.hasPrefix("COPY ") && $0.contains(#""fits""#) })
        #expect(
            !statements.contains {
                $0.hasPrefix("ALTER TABLE") || $0.hasPrefix("CREATE TABLE IF NOT EXISTS \"\(schema)\"")
            },
            "\(statements)")
        #expect(
            try Self.types(schema, "fits")
                == "amount numeric, id bigint, ratio double precision, code character varying")
        #expect(try Self.psql("SELECT code FROM \(schema).fits WHERE id = 5") == "Größenwahn")
        #expect(try Self.psql("SELECT amount || '/' || ratio FROM \(schema).fits WHERE id = 1") == "7.50/1")

        // A value that does not fit leads to a widening that plan flags, or to an error naming it.
        let grow = try CLI.file("grow.csv", "amount,id,ratio,code\n123456789012.5,4,1,x\n")
        let plan = try await CLI.run(["plan", grow.path, "--table", "\(schema).fits", "--stage", stage])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(
            plan.stdout.contains("column 'amount' widens from numeric(12,2) to numeric: this changes only the catalog"),
            "\(plan.stdout)")
        try _ = Self.psql("CREATE TABLE \(schema).small (n integer)")
        let big = try CLI.file("big.csv", "n\n3000000000\n")
        let bigPlan = try await CLI.run(["plan", big.path, "--table", "\(schema).small", "--stage", stage])
        #expect(
            bigPlan.stdout.contains("column 'n' widens from integer to bigint: this rewrites the whole table"),
            "\(bigPlan.stdout)")
        let bad = try CLI.file("bad.csv", "amount,id,ratio,code\n1,5,1,x\n2,6,abc,y\n")
        let refused = try await Self.load(bad, "\(schema).fits", stage: stage)
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("column 'ratio' is double precision in the table, but the value 'abc' ("),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("line 3"), "\(refused.stderr)")
        #expect(try Self.psql("SELECT count(*) FROM \(schema).fits") == "4")
    }

    /// One column of each type a migration, dbt or another team may have made, with a valid value
    /// and an invalid one.
    static let ownTypes: [(column: String, type: String, valid: String, invalid: String?)] = [
        ("id", "uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not-a-uuid"),
        ("r", "real", "1.5", "1.5.5"),
        ("n", "numeric", "12345678901234567890.123456789", "12,5"),
        ("c", "char(3)", "ab", "abcd"),
        ("t", "time", "10:11:12.5", "25:00:00"),
        ("tz", "timetz", "10:11:12+02", "10:61:00+02"),
        ("iv", "interval", "1 day 02:00:00", "forever"),
        ("ip", "inet", "192.168.0.1/24", "300.1.1.1"),
        ("net", "cidr", "10.0.0.0/8", "10.0.0.1/8"),
        ("mac", "macaddr", "08:00:2b:01:02:03", "08:00:2b"),
        ("m", "money", "12.34", "twelve"),
        ("b", "bit(3)", "101", "102"),
        ("arr", "integer[]", "{1,2,3}", "{1,x}"),
        ("rng", "int4range", "[1,5)", "[5,1)"),
        ("mood", "mood", "happy", "angry"),
        ("pos", "positive", "5", "-5"),
        ("doc", "jsonb", #"{"a": [1, 2]}"#, "{oops"),
        ("x", "xml", "<a>1</a>", "<a>"),
        ("p", "point", "(1,2)", "(1,"),
        // A longer text widens a varchar to text (catalog only): it has no invalid value.
        ("v", "varchar(10)", "short", nil),
        ("ts", "timestamp(0)", "2024-01-01 10:11:12", "2024-13-01"),
    ]

    static func csvRow(_ values: [String]) -> String {
        values.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
    }

    @Test("an existing table with a column of every ordinary type loads, refuses invalid values by name, and unloads")
    func everyTypeLoads() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        let columns = Self.ownTypes.map { "\($0.column) \($0.type)" }.joined(separator: ", ")
        try _ = Self.psql(
            "CREATE SCHEMA \(schema); SET search_path = \(schema); "
                + "CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE DOMAIN positive AS integer CHECK (VALUE > 0); "
                + "CREATE TABLE \(schema).owned (\(columns), extra text DEFAULT 'kept'); "
                + "CREATE TABLE \(schema).twin (\(columns), extra text DEFAULT 'kept')")
        let header = Self.ownTypes.map(\.column).joined(separator: ",") + "\n"
        let valid = header + Self.csvRow(Self.ownTypes.map(\.valid))
        let file = try CLI.file("valid.csv", valid)
        let result = try await Self.load(file, "\(schema).owned", stage: stage)
        #expect(result.status == 0, "\(result.stderr)")
        // psql's own COPY of the same file is the reference for how the server prints every value.
        try _ = Self.psql(
            "\\copy \(schema).twin (\(Self.ownTypes.map(\.column).joined(separator: ","))) FROM '\(file.path)' (FORMAT csv, HEADER true)"
        )
        let printed = try Self.psql("COPY (SELECT * FROM \(schema).owned) TO STDOUT (FORMAT csv)")
        #expect(printed == (try Self.psql("COPY (SELECT * FROM \(schema).twin) TO STDOUT (FORMAT csv)")))
        #expect(printed.hasSuffix(",kept"), "a column the data lacks takes its default")
        // Nothing changed the table's types.
        #expect(
            try Self.psql(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\(schema).owned'::regclass "
                    + "AND attname = 'n'") == "numeric")
        let unload = try await CLI.run(["unload", "--table", "\(schema).owned", "--stage", stage])
        #expect(unload.status == 0, "\(unload.stderr)")
        #expect(unload.stdout.trimmingCharacters(in: .newlines) == printed)

        for (index, type) in Self.ownTypes.enumerated() {
            guard let invalid = type.invalid else { continue }
            var values = Self.ownTypes.map(\.valid)
            values[index] = invalid
            let bad = try CLI.file(
                "bad-\(type.column).csv", header + Self.csvRow(Self.ownTypes.map(\.valid)) + Self.csvRow(values))
            let refused = try await Self.load(bad, "\(schema).owned", stage: stage)
            #expect(refused.status != 0, "\(type.type): \(refused.stderr)")
            // The column by name, the value, and the input's file and line, whichever side refused it
            // (the server's COPY, or the value check against the column's type).
            #expect(
                refused.stderr.contains("column \(type.column):") || refused.stderr.contains("column '\(type.column)'"),
                "\(type.type): \(refused.stderr)")
            #expect(refused.stderr.contains(String(invalid.prefix(20))), "\(type.type): \(refused.stderr)")
            #expect(
                refused.stderr.contains("line 3 of \(bad.path)") || refused.stderr.contains("\(bad.path), line 3"),
                "\(type.type): \(refused.stderr)")
            #expect(refused.stderr.contains("staged parts kept at"), "\(type.type): \(refused.stderr)")
        }
        #expect(try Self.psql("SELECT count(*) FROM \(schema).owned") == "1")
    }

    @Test("a timestamp(p) column takes values of at most p fraction digits unchanged; finer ones give it microseconds")
    func timestampPrecision() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        try _ = Self.psql(
            "CREATE SCHEMA \(schema); CREATE TABLE \(schema).events (id bigint, at timestamp(0), "
                + "seen timestamptz(3))")
        func precisions() throws -> String {
            try Self.psql(
                "SELECT string_agg(column_name || ' ' || coalesce(datetime_precision::text, '-'), ', ' "
                    + "ORDER BY ordinal_position) FROM information_schema.columns "
                    + "WHERE table_schema = '\(schema)' AND table_name = 'events'")
        }
        // Whole seconds and milliseconds: what the columns hold, so no DDL.
        let fits = try CLI.file("fits.csv", "id,at,seen\n1,2024-01-01 10:00:00,2024-01-01 10:00:00.123Z\n")
        let sent = SentStatements()
        let first = try await Self.load(fits, "\(schema).events", stage: stage, environment: sent.environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!(try sent.texts()).contains { $0.hasPrefix("ALTER TABLE") })
        #expect(try precisions() == "id -, at 0, seen 3")
        // A half second would round to the next second in timestamp(0): plan says the column gains
        // microseconds (the catalog only), and the load keeps the value as written.
        let finer = try CLI.file("finer.csv", "id,at,seen\n2,2024-01-01 10:00:00.5,2024-01-01 10:00:00.1234Z\n")
        let plan = try await CLI.run(["plan", finer.path, "--table", "\(schema).events", "--stage", stage])
        #expect(
            plan.stdout.contains("column 'at' widens from timestamp(0) to timestamp: this changes only the catalog"),
            "\(plan.stdout)")
        #expect(plan.stdout.contains("column 'seen' widens from timestamptz(3) to timestamptz"), "\(plan.stdout)")
        let second = try await Self.load(finer, "\(schema).events", ["--mode", "append"], stage: stage)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try precisions() == "id -, at 6, seen 6")
        #expect(
            try Self.psql("SELECT at || ' ' || seen FROM \(schema).events WHERE id = 2")
                == "2024-01-01 10:00:00.5 2024-01-01 10:00:00.1234+00")
        #expect(
            try Self.psql("SELECT at || ' ' || seen FROM \(schema).events WHERE id = 1")
                == "2024-01-01 10:00:00 2024-01-01 10:00:00.123+00")
    }

    @Test("a first load whose types settle late keeps staging and COPY overlapped")
    func lateTypesStayPipelined() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        var random = SeededGenerator(seed: 18)
        var csv = "id,amount,late,counter,noise\n"
        let rows = 90_000
        for row in 1...rows {
            // Integers until row 60,000, then a digit of scale; NULL for the first 40%; a counter
            // that outgrows 32 bits late; hex that barely compresses, so the parts fill.
            let amount = row <= 60_000 ? "\(row % 1000)" : "\(row % 1000).5"
            let late = row <= rows * 4 / 10 ? "" : "2024-05-\(String(format: "%02d", row % 28 + 1))"
            let counter = row <= 80_000 ? "\(row)" : "\(Int64(row) * 100_000)"
            let noise = Self.noise(&random, words: 4)
            csv += "\(row),\(amount),\(late),\(counter),\(noise)\n"
        }
        let report = try await Self.report(loading: csv, into: "\(schema).late", stage: stage)
        #expect(report["copy"] as? String == "pipelined", "\(report)")
        #expect(report["fallbackReason"] == nil)
        // The integers were copied as bigint, then cast; `late` had no value in the first part, so
        // its batches were held until its dates came, and it was created as date: no cast, no rewrite.
        let changes = report["changedWhileCopying"] as? [String] ?? []
        #expect(changes == ["amount: bigint → numeric"], "\(changes)")
        // The first part (1 MiB of gzip) and at least one of 4 MiB after it: the parts filled.
        #expect((report["parts"] as? Int ?? 0) >= 2, "\(report)")
        #expect(try Self.types(schema, "late") == "id bigint, amount numeric, late date, counter bigint, noise text")
        #expect(
            try Self.psql("SELECT count(*) || ' ' || count(late) || ' ' || sum(amount) FROM \(schema).late")
                == "\(rows) \(rows - rows * 4 / 10) \(Self.expectedSum(rows))")
    }

    @Test(
        "a key that JSON Lines add while a column still waits for values: the held rows' table, then the column added")
    func keyAddedWhileAwaitingValues() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        var random = SeededGenerator(seed: 20)
        var lines = ""
        let rows = 150_000
        for row in 1...rows {
            // The reader takes JSON Lines in windows of 65,536 rows, each with the keys it found: the
            // first window (the first part) has no `late` value and no `extra`; the second has both.
            let late = row <= 120_000 ? "null" : "\"2024-05-\(String(format: "%02d", row % 28 + 1))\""
            let extra = row > 100_000 ? ",\"extra\":\(row % 7)" : ""
            lines += "{\"id\":\(row),\"late\":\(late),\"noise\":\"\(Self.noise(&random, words: 2))\"\(extra)}\n"
        }
        let file = try CLI.file("keys.jsonl", lines)
        let result = try await Self.load(file, "\(schema).keys", ["--json"], stage: stage)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["copy"] as? String == "pipelined", "\(report)")
        // The held first window went in with `late` as a placeholder; then the second window's
        // dates cast it (this load created the table: only its own rows are rewritten) and its new
        // key was added.
        #expect(
            report["changedWhileCopying"] as? [String] == ["late: text → date", "extra: added as bigint"], "\(report)")
        #expect(try Self.types(schema, "keys") == "id bigint, late date, noise text, extra bigint")
        #expect(
            try Self.psql(
                "SELECT count(*) || ' ' || count(late) || ' ' || count(extra) || ' ' || sum(extra) FROM \(schema).keys")
                == "\(rows) \(rows - 120_000) \(rows - 100_000) \((100_001...rows).reduce(0) { $0 + $1 % 7 })")
    }

    @Test("numbers that turn out to be text after the first part fall back to the sequential copy, and load as text")
    func lateTextFallsBack() async throws {
        try CLI.requireServices()
        let schema = CLI.uniqueSchema()
        var random = SeededGenerator(seed: 19)
        var csv = "id,code,noise\n"
        for row in 1...90_000 {
            let noise = Self.noise(&random, words: 2)
            csv += "\(row),\(row <= 60_000 ? "\(row)" : "A-\(row)"),\(noise)\n"
        }
        let report = try await Self.report(loading: csv, into: "\(schema).codes", stage: stage)
        #expect(report["copy"] as? String == "pipelined, then sequential", "\(report)")
        #expect((report["fallbackReason"] as? String)?.contains("column 'code'") == true)
        #expect(try Self.types(schema, "codes") == "id bigint, code text, noise text")
        #expect(try Self.psql("SELECT count(*) || ' ' || count(DISTINCT code) FROM \(schema).codes") == "90000 90000")
    }

    /// Hex words that barely compress, so that a file's parts fill.
    static func noise(_ random: inout SeededGenerator, words: Int) -> String {
        (0..<words).map { _ in String(random.next(), radix: 16) }.joined()
    }

    /// Loads `csv` with `--json` and returns the load report.
    static func report(loading csv: String, into table: String, stage: String) async throws -> [String: Any] {
        let result = try await load(try CLI.file("data.csv", csv), table, ["--json"], stage: stage)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func expectedSum(_ rows: Int) -> String {
        var whole = 0
        var halves = 0
        for row in 1...rows {
            whole += row % 1000
            if row > 60_000 { halves += 1 }
        }
        return halves % 2 == 0 ? "\(whole + halves / 2).0" : "\(whole + halves / 2).5"
    }
}
