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

    @Test("a service reconnecting later gets a new login, never an expired one")
    func cache() async throws {
        let clock = FakeClock()
        let refreshing = RefreshingLogin(now: { clock.now }) {
            DatabaseLogin(
                user: "u", password: "p-\(clock.now.timeIntervalSince1970)",
                expiration: clock.now.addingTimeInterval(900))
        }
        let provider = refreshing.provider
        let first = try await provider.login()
        #expect(try await provider.login() == first, "cached while good")
        #expect(await refreshing.fetchCount == 1)
        clock.set(Self.start.addingTimeInterval(3 * 3600))  // the next day's load, hours later
        let later = try await provider.login()
        let fetches = await refreshing.fetchCount
        #expect(later != first && fetches == 2)
        #expect(try #require(later.expiration) > clock.now)
    }

    /// A fetch that waits until the test releases it (or its task is cancelled), counting its calls.
    final class Gate: Sendable {
        private let state = LockedBox<(calls: Int, waiting: CheckedContinuation<DatabaseLogin, any Error>?)>((0, nil))

        var calls: Int { state.withLock { $0.calls } }

        func fetch() async throws -> DatabaseLogin {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let cancelled = state.withLock {
                        $0.calls += 1
                        if Task.isCancelled { return true }
                        $0.waiting = continuation
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                Self.take(state)?.resume(throwing: CancellationError())
            }
        }

        private static func take(
            _ state: LockedBox<(calls: Int, waiting: CheckedContinuation<DatabaseLogin, any Error>?)>
        ) -> CheckedContinuation<DatabaseLogin, any Error>? {
            state.withLock { value in
                defer { value.waiting = nil }
                return value.waiting
            }
        }

        /// Resumes the fetch in flight; false when none waits.
        func release(_ login: DatabaseLogin) -> Bool {
            guard let waiting = Self.take(state) else { return false }
            waiting.resume(returning: login)
            return true
        }
    }

    static func waitFor(_ condition: () async -> Bool) async throws {
        for _ in 0..<2000 where !(await condition()) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await condition(), "timed out waiting")
    }

    @Test("callers arriving while a fetch is in flight share it: one fetch for three callers")
    func oneFetchForManyCallers() async throws {
        let gate = Gate()
        let refreshing = RefreshingLogin(now: { Self.start }) { try await gate.fetch() }
        let provider = refreshing.provider
        let callers = (0..<3).map { _ in Task { try await provider.login() } }
        // All three wait on the one fetch before it answers.
        try await Self.waitFor { await refreshing.waitingCallers == 3 }
        #expect(gate.calls == 1)
        let login = DatabaseLogin(user: "u", password: "p", expiration: Self.start.addingTimeInterval(900))
        #expect(gate.release(login))
        for caller in callers { #expect(try await caller.value == login) }
        let fetches = await refreshing.fetchCount
        #expect(gate.calls == 1 && fetches == 1)
    }

    @Test("a cancelled caller stops waiting and cancels the fetch; the next caller fetches again")
    func cancellation() async throws {
        let gate = Gate()
        let refreshing = RefreshingLogin(now: { Self.start }) { try await gate.fetch() }
        let caller = Task { try await refreshing.login() }
        try await Self.waitFor { await refreshing.waitingCallers == 1 && gate.calls == 1 }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(await refreshing.fetchCount == 0)
        let next = Task { try await refreshing.login() }
        try await Self.waitFor { gate.calls == 2 }
        let login = DatabaseLogin(user: "u", password: "p2")
        #expect(gate.release(login))
        #expect(try await next.value == login)
    }
}
