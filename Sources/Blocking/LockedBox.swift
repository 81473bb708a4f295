import Foundation

/// A value that many threads share, reached only under its lock (in the manner of swift-nio's
/// `NIOLockedValueBox`): the one place a lock guards mutable state. Like the standard library's
/// `Mutex` it is `Sendable` whatever it holds: what goes in must not be kept elsewhere.
public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock. Keep it short, and never block or await in it.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
