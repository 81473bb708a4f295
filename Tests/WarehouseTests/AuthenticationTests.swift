import Testing

@testable import Warehouse

@Suite("Authentication and secrets", .timeLimit(.minutes(5)))
struct AuthenticationTests {
    /// A login role that must give a password (the test cluster's pg_hba asks members of
    /// `stevedore_password_login` for one).
    static func withPasswordRole(_ body: (String, String) async throws -> Void) async throws {
        let admin = try await TestDatabase.connect()
        let role = TestDatabase.uniqueName("pw_role")
        let password = "Right-\(UInt64.random(in: 0...UInt64.max))"
        // Utility statements take no bind parameters; both values are generated alphanumerics.
        try await admin.execute(
            "CREATE ROLE \(quoteIdentifier(role)) LOGIN PASSWORD '\(password)' IN ROLE stevedore_password_login")
        do {
            try await body(role, password)
        } catch {
            try await admin.execute("DROP ROLE \(quoteIdentifier(role))")
            throw error
        }
        try await admin.execute("DROP ROLE \(quoteIdentifier(role))")
    }

    @Test("a wrong password gives authenticationFailed without the password in the text")
    func wrongPassword() async throws {
        try await Self.withPasswordRole { role, password in
            let wrong = "Wrong-Secret-\(UInt64.random(in: 0...UInt64.max))"
            let error = try await #require(throws: WarehouseError.self) {
                try await Connection.connect("\(TestDatabase.serverConninfo) user=\(role) password=\(wrong)")
            }
            #expect(error.code == .authenticationFailed)
            #expect(error.message.contains("password authentication failed"))
            #expect(!error.description.contains(wrong))
            #expect(!"\(error)".contains(wrong))
            #expect(!String(reflecting: error).contains(wrong))

            // The same through a URI, and the right password works.
            let env = TestDatabase.environment
            let uri = "postgres://\(role):\(wrong)@\(env["PGHOST"]!):\(env["PGPORT"]!)/\(env["PGDATABASE"]!)"
            let uriError = try await #require(throws: WarehouseError.self) { try await Connection.connect(uri) }
            #expect(uriError.code == .authenticationFailed)
            #expect(!String(reflecting: uriError).contains(wrong))

            let right = try await Connection.connect("\(TestDatabase.serverConninfo) user=\(role) password=\(password)")
            #expect(try await right.execute("SELECT current_user").scalar == role)
        }
    }

    @Test("a malformed connection string does not echo its password")
    func malformedConnectionString() async throws {
        let error = try await #require(throws: WarehouseError.self) {
            try await Connection.connect("host=localhost password 'TopSecret99' user")
        }
        #expect(error.code == .invalidRequest)
        #expect(!error.description.contains("TopSecret99"))
    }

    @Test("credentials in a statement are masked in errors")
    func maskedStatement() async throws {
        let sql =
            "COPY s.t FROM 's3://b/k' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'wJal/rXU''tn' "
            + "SESSION_TOKEN 'tok' REGION 'eu-west-1' CSV"
        let masked = StatementExcerpt.make(sql)
        #expect(
            masked == "COPY s.t FROM 's3://b/k' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' "
                + "SESSION_TOKEN '***' REGION 'eu-west-1' CSV")
        #expect(StatementExcerpt.make("ALTER ROLE x PASSWORD 'pw1234'") == "ALTER ROLE x PASSWORD '***'")
        let long = "SELECT '" + String(repeating: "a", count: 500) + "'"
        #expect(StatementExcerpt.make(long).count == 201)

        // Through the server: the error's statement is masked too.
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: WarehouseError.self) {
            try await connection.execute("SELEC 'x' SECRET_ACCESS_KEY 'Sup3rSecret'")
        }
        #expect(error.statement == "SELEC 'x' SECRET_ACCESS_KEY '***'")
        #expect(!error.description.contains("Sup3rSecret"))
    }
}
