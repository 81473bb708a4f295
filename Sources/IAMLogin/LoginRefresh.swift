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
/// time however many sessions open at once; its `provider` is what sessions are given.
public actor RefreshingLogin {
    private let fetch: @Sendable () async throws -> DatabaseLogin
    private let now: @Sendable () -> Date
    private let rule: LoginRefresh
    private var current: (login: DatabaseLogin, fetchedAt: Date)?
    private var fetching: Task<DatabaseLogin, any Error>?
    /// How many fetches were made (for tests and logs).
    public private(set) var fetchCount = 0
    /// How many callers wait for the fetch in flight (for tests and logs).
    public private(set) var waitingCallers = 0

    public init(
        rule: LoginRefresh = LoginRefresh(), now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping @Sendable () async throws -> DatabaseLogin
    ) {
        self.rule = rule
        self.now = now
        self.fetch = fetch
    }

    /// The cached login while it is good, else a new one. A cancelled caller stops waiting and
    /// cancels the fetch in flight; the other callers then fetch again.
    public func login() async throws -> DatabaseLogin {
        while true {
            try Task.checkCancellation()
            if let current, !rule.needsRefresh(current.login, fetchedAt: current.fetchedAt, now: now()) {
                return current.login
            }
            let task = fetching ?? start()
            waitingCallers += 1
            do {
                let login = try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
                waitingCallers -= 1
                return login
            } catch is CancellationError where !Task.isCancelled {
                // Another caller's cancellation ended the fetch: fetch again for this one.
                waitingCallers -= 1
            } catch {
                waitingCallers -= 1
                throw error
            }
        }
    }

    /// Starts a fetch whose end, success or not, is recorded before any caller sees it.
    private func start() -> Task<DatabaseLogin, any Error> {
        let fetch = self.fetch
        let fetchedAt = now()
        let task = Task<DatabaseLogin, any Error> {
            do {
                let login = try await fetch()
                self.finished(login, fetchedAt: fetchedAt)
                return login
            } catch {
                self.finished(nil, fetchedAt: fetchedAt)
                throw error
            }
        }
        fetching = task
        return task
    }

    private func finished(_ login: DatabaseLogin?, fetchedAt: Date) {
        fetching = nil
        if let login {
            fetchCount += 1
            current = (login, fetchedAt)
        }
    }

    /// A provider that asks this cache.
    public nonisolated var provider: DatabaseLoginProvider {
        DatabaseLoginProvider { try await self.login() }
    }
}
