import Blocking
import Frames

/// Drives a blocking reader of batches (CSV or JSON Lines over a file, a pipe or a channel) on a
/// `BlockingPool`, one batch per request, so the cooperative pool never waits on input and memory
/// holds a batch at a time. Requests come from one consumer, never concurrently.
///
/// `open` makes the reader at the first request (a reader's constructor may block too: a CSV
/// reader reads the header). `interrupt` is called, from any thread, when the reading task is
/// cancelled or the load lets go of the source, to unblock a read (stop a command, fail a channel);
/// `cleanup` runs once, on the pool, when reading ends, fails, or the load lets go.
final class BlockingReader: Sendable {
    typealias Next = () throws -> TextBatch?

    /// The reader's `next`, boxed: a bare closure taken out of the lock and put back after every
    /// read gains two reabstraction thunks each time, and the stack a read needs grows with it.
    private final class Reader {
        let next: Next
        init(_ next: @escaping Next) { self.next = next }
    }

    private struct State {
        var open: (() throws -> Next)?
        var next: Reader?
        var reading = false
        /// The input ended, failed, or the load let go: no more reads.
        var ended = false
        var cleanedUp = false
    }

    private let state: LockedBox<State>
    private let pool: BlockingPool
    private let interrupt: @Sendable () -> Void
    private let cleanup: @Sendable () -> Void

    init(
        pool: BlockingPool, open: @escaping () throws -> Next, interrupt: @escaping @Sendable () -> Void,
        cleanup: @escaping @Sendable () -> Void
    ) {
        state = LockedBox(State(open: open))
        self.pool = pool
        self.interrupt = interrupt
        self.cleanup = cleanup
    }

    /// The next batch, read on the pool; nil once the input has ended. A cancelled task gets
    /// `CancellationError` at once, even while a read blocks (a silent pipe): the source is closed,
    /// and the read's late result is dropped when it comes.
    func next() async throws -> TextBatch? {
        let waiter = LockedBox<CheckedContinuation<TextBatch?, any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Under the lock: a cancellation either came first (and is seen here) or finds the
                // continuation below.
                let cancelled = waiter.withLock { waiting in
                    if Task.isCancelled { return true }
                    waiting = continuation
                    return false
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let submitted = pool.submit {
                    let batch = Result { try self.readOne() }
                    Self.take(waiter)?.resume(with: batch)
                }
                if !submitted { Self.take(waiter)?.resume(throwing: BlockingPool.ShutDown()) }
            }
        } onCancel: {
            close()
            Self.take(waiter)?.resume(throwing: CancellationError())
        }
    }

    /// The continuation waiting for a read, taken so that it is resumed once.
    private static func take(_ waiter: LockedBox<CheckedContinuation<TextBatch?, any Error>?>)
        -> CheckedContinuation<TextBatch?, any Error>?
    {
        waiter.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }
    }

    /// The load let go of the source: no more reads, and the reader is interrupted and cleaned up.
    func close() {
        let idle = state.withLock { state in
            state.ended = true
            return !state.reading
        }
        interrupt()
        if idle && !pool.submit({ self.cleanUpOnce() }) { cleanUpOnce() }
    }

    private func readOne() throws -> TextBatch? {
        let reader: (open: (() throws -> Next)?, next: Reader?)? = state.withLock { state in
            guard !state.ended else { return nil }
            state.reading = true
            defer {
                state.open = nil
                state.next = nil
            }
            return (state.open, state.next)
        }
        guard let reader else { return nil }
        do {
            guard let next = try reader.next ?? reader.open.map({ Reader(try $0()) }) else {
                // Only when two reads overlap, which the one consumer never does: end cleanly.
                state.withLock { state in
                    state.reading = false
                    state.ended = true
                }
                cleanUpOnce()
                return nil
            }
            let batch = try next.next()
            let finished = state.withLock { state in
                state.reading = false
                if batch == nil { state.ended = true }
                if !state.ended { state.next = next }
                return state.ended
            }
            if finished { cleanUpOnce() }
            return batch
        } catch {
            state.withLock { state in
                state.reading = false
                state.ended = true
            }
            cleanUpOnce()
            throw error
        }
    }

    private func cleanUpOnce() {
        let first = state.withLock { state in
            defer { state.cleanedUp = true }
            return !state.cleanedUp
        }
        if first { cleanup() }
    }
}
