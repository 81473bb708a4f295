import Foundation

/// A value that many threads share, reached only under its lock (in the manner of swift-nio's
/// `NIOLockedValueBox`): the one place a lock guards mutable state.
public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: sending Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock. Keep it short, and never block or await in it.
    public func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
