import Foundation

/// A `LockedBox` whose users can block until its value is ready (in the manner of swift-nio's
/// `ConditionLock`): for a reader on a `BlockingPool` thread waiting for a producer. Only pool
/// threads may wait; a cooperative thread must never block.
public final class ConditionBox<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value under the lock, then wakes every waiter to look again.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Blocks until `ready` holds for the value, then runs `body` with it under the lock and wakes
    /// every waiter to look again.
    public func wait<Result>(until ready: (Value) -> Bool, then body: (inout Value) throws -> Result) rethrows -> Result
    {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(value) { condition.wait() }
        return try body(&value)
    }
}
