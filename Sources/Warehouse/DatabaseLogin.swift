import Foundation

/// A database user and password fetched for one login (Redshift's temporary IAM credentials), and
/// when the password expires. Printing it shows the user only: the password never appears.
public struct DatabaseLogin: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var user: String
    public var password: String
    /// When the password stops working; nil when the issuer did not say.
    public var expiration: Date?

    public init(user: String, password: String, expiration: Date? = nil) {
        self.user = user
        self.password = password
        self.expiration = expiration
    }

    public var description: String {
        "DatabaseLogin(user: \(user), password: ***\(expiration.map { ", expires: \($0)" } ?? ""))"
    }

    public var debugDescription: String { description }

    /// A mirror without the password, so `dump` and reflection stay safe too.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// Hands out a current `DatabaseLogin` each time a session is opened, so that a connection made
/// later (a reconnect, the next load) gets credentials that have not expired.
public struct DatabaseLoginProvider: Sendable {
    private let fetch: @Sendable () async throws -> DatabaseLogin

    public init(_ fetch: @escaping @Sendable () async throws -> DatabaseLogin) {
        self.fetch = fetch
    }

    /// The login to open the next session with.
    public func login() async throws -> DatabaseLogin { try await fetch() }
}
