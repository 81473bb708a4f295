import Testing

/// The check behind "no SQL but the load's own" must itself catch an injection, or the hostile-input
/// suite proves nothing: these are statements it must refuse, and Stevedore's own it must accept.
@Suite("The own-statement check tells Stevedore's SQL from injected SQL")
struct SentStatementsTests {
    @Test("Stevedore's own statements pass, names with quotes and statements in them included")
    func ownStatements() {
        for statement in [
            "SET TimeZone = 'UTC'", "BEGIN", "COMMIT", "ROLLBACK",
            #"CREATE TABLE IF NOT EXISTS "s"."odd""; DROP TABLE canary; --" ("id" smallint, "a""b" text)"#,
            #"DELETE FROM "s"."t" WHERE "region" = CAST($1 AS text)"#,
            #"COPY "s"."t" ("id", "-- note") FROM STDIN (FORMAT csv)"#,
            "CREATE INDEX IF NOT EXISTS load_history_target\n    ON \"stevedore\".\"load_history\" (table_schema)",
        ] {
            #expect(SentStatements.problem(in: statement) == nil, "\(statement)")
        }
    }

    @Test("a value written into the SQL, a second statement, a comment or an unknown kind is caught")
    func injectedStatements() {
        let cases: [(String, String)] = [
            (#"DELETE FROM "s"."t" WHERE "region" = 'eu' OR '1'='1'"#, "a string literal"),
            (#"DELETE FROM "s"."t" WHERE "region" = $1; DROP TABLE canary"#, "; outside a quoted name"),
            (
                #"CREATE TABLE IF NOT EXISTS "s"."odd"; DROP TABLE canary; --" ("id" smallint)"#,
                "an unterminated \" quote"
            ),
            (#"CREATE TABLE IF NOT EXISTS "s"."t" ("id" smallint) -- x"#, "-- outside a quoted name"),
            (#"DROP TABLE "s"."canary""#, "not a kind of statement Stevedore sends"),
            (#"SELECT $$x$$"#, "$$ outside a quoted name"),
        ]
        for (statement, problem) in cases {
            #expect(SentStatements.problem(in: statement) == problem, "\(statement)")
        }
    }
}
