import Foundation
import Warehouse

/// When a fetched login must be fetched again: a password is checked only when a session logs
/// in, so a login is good for a new session until shortly before it expires. Pure, for a clock's
/// `now`.
public struct LoginRefresh: Sendable, Hashable {
    /// How long before its expiration a login is replaced: room for the connection's own attempts
    /// (libpq's 10 s timeout) and for clock skew.
    public var margin: TimeInterval
    /// The lifetime assumed when the answer gave no expiration: the APIs' shortest (900 s).
    public var assumedLifetime: TimeInterval

    public init(margin: TimeInterval = 300, assumedLifetime: TimeInterval = 900) {
        self.margin = margin
        self.assumedLifetime = assumedLifetime
    }

    /// True when `login` (fetched at `fetchedAt`) must not be used for a session opened at `now`.
    public func needsRefresh(_ login: DatabaseLogin?, fetchedAt: Date, now: Date) -> Bool {
        guard let login else { return true }
        let expiration = login.expiration ?? fetchedAt.addingTimeInterval(assumedLifetime)
        return now >= expiration.addingTimeInterval(-margin)
    }
}

/// Keeps the last fetched login and fetches a new one when `LoginRefresh` says so, one fetch at a
/// time however many sessions open at once. Its `provider` is what a loader or the scheduler's
/// session is given, so a long-running service that reconnects later never uses an expired login.
public actor RefreshingLogin {
    private let fetch: @Sendable () async throws -> DatabaseLogin
    private let now: @Sendable () -> Date
    private let rule: LoginRefresh
    private var current: (login: DatabaseLogin, fetchedAt: Date)?
    private var fetching: Task<DatabaseLogin, any Error>?
    /// How many fetches were made (for tests and logs).
    public private(set) var fetchCount = 0

    public init(
        rule: LoginRefresh = LoginRefresh(), now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping @Sendable () async throws -> DatabaseLogin
    ) {
        self.rule = rule
        self.now = now
        self.fetch = fetch
    }

    /// The cached login while it is good, else a new one.
    public func login() async throws -> DatabaseLogin {
        if let current, !rule.needsRefresh(current.login, fetchedAt: current.fetchedAt, now: now()) {
            return current.login
        }
        if let fetching { return try await fetching.value }
        let fetch = self.fetch
        let task = Task { try await fetch() }
        fetching = task
        defer { fetching = nil }
        let fetchedAt = now()
        let login = try await task.value
        fetchCount += 1
        current = (login, fetchedAt)
        return login
    }

    /// A provider that asks this cache.
    public nonisolated var provider: DatabaseLoginProvider {
        DatabaseLoginProvider { try await self.login() }
    }
}
