import Testing

@testable import Warehouse

/// A fetched login (Redshift's temporary credentials) is what the connection logs in with: it
/// replaces the connection string's user and password, and its password never reaches an error.
@Suite("Fetched logins", .timeLimit(.minutes(2)))
struct FetchedLoginTests {
    @Test("the login's user and password replace the string's; a wrong one fails without echoing it")
    func replacesStringCredentials() async throws {
        try await AuthenticationTests.withPasswordRole { role, password in
            let string = "\(TestDatabase.serverConninfo) user=nobody password=not-this-one"
            let right = try await Connection.connect(string, login: DatabaseLogin(user: role, password: password))
            #expect(try await right.execute("SELECT current_user").scalar == role)
            #expect(right.endpoint.user == role)
            await right.close()

            let wrong = "Fetched-Wrong-\(UInt64.random(in: 0...UInt64.max))"
            let error = try await #require(throws: WarehouseError.self) {
                try await Connection.connect(string, login: DatabaseLogin(user: role, password: wrong))
            }
            #expect(error.code == .authenticationFailed && error.message.contains(role))
            #expect(!"\(error)".contains(wrong) && !String(reflecting: error).contains(wrong))
            let login = DatabaseLogin(user: role, password: wrong)
            #expect(!"\(login)".contains(wrong) && !String(reflecting: login).contains(wrong))
        }
    }
}
