import Blocking
import Foundation
import IAMLogin
import Testing
import Warehouse

/// When a fetched login is fetched again, on a clock the test moves.
@Suite("Refreshing temporary logins")
struct LoginRefreshTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("good until five minutes before it expires; no expiration counts as 900 s")
    func rule() {
        let rule = LoginRefresh()
        let login = DatabaseLogin(user: "u", password: "p", expiration: Self.start.addingTimeInterval(900))
        #expect(!rule.needsRefresh(login, fetchedAt: Self.start, now: Self.start))
        #expect(!rule.needsRefresh(login, fetchedAt: Self.start, now: Self.start.addingTimeInterval(599)))
        #expect(rule.needsRefresh(login, fetchedAt: Self.start, now: Self.start.addingTimeInterval(600)))
        #expect(rule.needsRefresh(login, fetchedAt: Self.start, now: Self.start.addingTimeInterval(5000)))
        let unknown = DatabaseLogin(user: "u", password: "p")
        #expect(!rule.needsRefresh(unknown, fetchedAt: Self.start, now: Self.start.addingTimeInterval(599)))
        #expect(rule.needsRefresh(unknown, fetchedAt: Self.start, now: Self.start.addingTimeInterval(600)))
        #expect(rule.needsRefresh(nil, fetchedAt: Self.start, now: Self.start))
    }

    /// A clock the test sets.
    struct FakeClock: Sendable {
        private let value = LockedBox(LoginRefreshTests.start)
        var now: Date { value.withLock { $0 } }
        func set(_ date: Date) { value.withLock { $0 = date } }
    }

    @Test("a service reconnecting later gets a new login, never an expired one; one fetch for many callers")
    func cache() async throws {
        let clock = FakeClock()
        let refreshing = RefreshingLogin(now: { clock.now }) {
            DatabaseLogin(
                user: "u", password: "p-\(clock.now.timeIntervalSince1970)",
                expiration: clock.now.addingTimeInterval(900))
        }
        let provider = refreshing.provider
        let first = try await provider.login()
        async let a = provider.login()
        async let b = provider.login()
        #expect(try await [a, b].allSatisfy { $0 == first })
        #expect(await refreshing.fetchCount == 1)
        clock.set(Self.start.addingTimeInterval(3 * 3600))  // the next day's load, hours later
        let later = try await provider.login()
        let fetches = await refreshing.fetchCount
        #expect(later != first && fetches == 2)
        #expect(try #require(later.expiration) > clock.now)
    }
}
