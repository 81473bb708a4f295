import Foundation

/// Runs work that blocks (waiting for a process, reading a pipe to its end, sleeping) on a thread of
/// its own, so that a test never holds one of the few threads of Swift's cooperative pool while it
/// waits: with two cores the pool has two, and a server under test (the status page) would starve.
public enum Blocking {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
