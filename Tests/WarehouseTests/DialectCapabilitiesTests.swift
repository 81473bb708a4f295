import Testing
import Warehouse

/// What each dialect declares about itself, which the loader and the scheduler read instead of
/// asking which warehouse it is.
@Suite("Dialect capabilities")
struct DialectCapabilitiesTests {
    @Test("PostgreSQL: empty-field NULL, UTC sessions, COPY through the client, advisory locks")
    func postgres() {
        let dialect = PostgresDialect()
        #expect(dialect.csvNull == "")
        #expect(dialect.sessionSetup.map(\.sql) == ["SET TimeZone = 'UTC'"])
        guard case .client(let client) = dialect.copyRoute else {
            Issue.record("PostgreSQL copies through the client")
            return
        }
        #expect(
            client.copyFromStdin(TableName(schema: "", table: "stevedore_load_x"), columns: ["a"], binary: false)
                == #"COPY "stevedore_load_x" ("a") FROM STDIN (FORMAT csv)"#)
        #expect(client.readLocks(relationKind: "r") && client.readLocks(relationKind: "v"))
        #expect(!client.readLocks(relationKind: "f"))
        let declared: (any AdvisoryLockSQL)? = dialect.advisoryLocks
        guard let locks = declared else {
            Issue.record("PostgreSQL has advisory locks")
            return
        }
        let table = TableName(schema: "s", table: "t")
        #expect(
            locks.tableLock(table, shared: true)
                == SQLStatement("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))", ["s.t#table"]))
        #expect(
            locks.ddlLock(table) == SQLStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["s.t#ddl"]))
        #expect(locks.trySessionLock("n").sql == "SELECT pg_try_advisory_lock(hashtextextended($1, 0))")
        #expect(dialect.lock(table, lockName: "s.t/_all") == locks.transactionLock("s.t/_all", shared: false))
    }

    @Test("Redshift: \\N NULL, case-insensitive names and UTC, COPY and UNLOAD through the stage, no advisory locks")
    func redshift() {
        let dialect = RedshiftDialect()
        #expect(dialect.csvNull == #"\N"#)
        #expect(
            dialect.sessionSetup.map(\.sql) == [
                "SET enable_case_sensitive_identifier TO false", "SET timezone TO 'UTC'",
            ])
        guard case .stage(let stage) = dialect.copyRoute else {
            Issue.record("Redshift copies through the stage")
            return
        }
        #expect(stage.copyFromManifestOutline(TableName(schema: "s", table: "t")).hasPrefix(#"COPY "s"."t" (…) FROM"#))
        #expect(dialect.advisoryLocks == nil)
        #expect(dialect.lock(TableName(schema: "s", table: "t"), lockName: "ignored").sql == #"LOCK "s"."t""#)
    }

    @Test("a warehouse URL names its dialect and libpq's connection string")
    func urls() {
        let redshift = WarehouseURL.parse("redshift://u@cluster.example:5439/dev")
        #expect(redshift.dialect.name == "redshift")
        #expect(redshift.connectionString == "postgres://u@cluster.example:5439/dev")
        for url in ["postgres://u@h/db", "postgresql://h/db", "host=h dbname=db"] {
            let parsed = WarehouseURL.parse(url)
            #expect(parsed.dialect.name == "postgres")
            #expect(parsed.connectionString == url)
        }
    }

    @Test("the attempts table's DDL in each dialect")
    func attemptsDDL() {
        let postgres = AttemptsSQL(schema: "ops", dialect: PostgresDialect()).createStatements
        #expect(postgres.count == 3)
        #expect(postgres[1].contains("job text NOT NULL"))
        #expect(postgres[1].contains("started_at timestamptz NOT NULL"))
        #expect(
            postgres[2]
                == #"CREATE INDEX IF NOT EXISTS load_attempts_job ON "ops"."load_attempts" (job, partition_key, finished_at)"#
        )
        let redshift = AttemptsSQL(schema: "ops", dialect: RedshiftDialect()).createStatements
        #expect(redshift.count == 2)
        #expect(redshift[1].contains("outcome VARCHAR(16) NOT NULL"))
        #expect(redshift[1].contains("error VARCHAR(65535),"))
        #expect(redshift[1].contains("finished_at TIMESTAMPTZ NOT NULL,\n    conflict_retries INTEGER DEFAULT 0\n)"))
        let sql = AttemptsSQL(schema: "ops", dialect: RedshiftDialect())
        #expect(sql.addedColumns.map(\.name) == ["conflict_retries"])
        #expect(
            sql.addedColumns[0].statement.sql
                == #"ALTER TABLE "ops"."load_attempts" ADD COLUMN conflict_retries INTEGER DEFAULT 0"#)
        let insert = sql.insert(
            AttemptsSQL.Row(
                job: "daily", partitionKey: "2024-01-02", attempt: 1, outcome: "ok",
                target: TableName(schema: "a", table: "b"), loadID: "x", rowCount: 3, error: nil, instance: "h:1",
                startedAt: "2024-01-02T00:00:00.000Z", finishedAt: "2024-01-02T00:00:01.000Z", conflictRetries: 2))
        #expect(insert.sql.contains("finished_at, conflict_retries) VALUES") && insert.parameters.last == "2")
    }

    @Test("the ledger's newest loads, for one table or all, and its committed-load probe")
    func ledgerQueries() {
        let ledger = LedgerSQL(schema: "stevedore", dialect: PostgresDialect())
        let one = ledger.newestLoads(of: TableName(schema: "a", table: "b"))
        #expect(one.parameters == ["a", "b"])
        #expect(one.sql.contains(#"FROM "stevedore"."load_history" WHERE table_schema = $1 AND table_name = $2)"#))
        #expect(!one.sql.contains("LIMIT"))
        let all = ledger.newestLoads(of: nil, limit: 0)
        #expect(all.parameters.isEmpty && all.sql.hasSuffix("LIMIT 1"))
        #expect(
            ledger.committed(among: ["x", "y"])
                == SQLStatement(
                    #"SELECT load_id FROM "stevedore"."load_history" WHERE load_id IN ($1, $2)"#, ["x", "y"]))
    }
}
