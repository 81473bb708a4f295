import Blocking
import Foundation
import Frames

/// Hands chunks of bytes from a producer (a COPY TO STDOUT, an object download) to a reader on
/// another thread, holding at most `capacity` chunks: a fast producer waits for the reader, so
/// memory stays bounded whatever the size of the data.
///
/// The reader side (`read`) blocks, and so runs on the blocking pool (`LoadSource.reading`); the
/// producer side either suspends (`send`, for async producers) or blocks (`sendBlocking`, for work
/// on the blocking pool such as a transfer).
public final class ByteChannel: ByteSource, Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var finished = false
        var failure: (any Error)?
        var readerClosed = false
        var waitingSenders: [(chunk: [UInt8], sender: CheckedContinuation<Void, any Error>)] = []
    }

    private let state = ConditionBox(State())
    private let capacity: Int

    public init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// The reader went away (it failed or was cancelled): senders get this error.
    public struct ReaderClosed: Error {}

    /// Queues `chunk`, suspending while the channel is full.
    public func send(_ chunk: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { continuation in enqueue(chunk, continuation) }
    }

    /// Queues `chunk` now, or parks it with its sender until the reader makes room.
    private func enqueue(_ chunk: [UInt8], _ sender: CheckedContinuation<Void, any Error>) {
        let capacity = self.capacity
        let outcome: Result<Void, any Error>? = state.withLock { state in
            if state.readerClosed { return .failure(ReaderClosed()) }
            if state.chunks.count < capacity {
                state.chunks.append(chunk)
                return .success(())
            }
            state.waitingSenders.append((chunk, sender))
            return nil
        }
        if let outcome { sender.resume(with: outcome) }
    }

    /// Queues `chunk`, blocking the calling thread (one of the blocking pool's) while the channel is full.
    public func sendBlocking(_ chunk: [UInt8]) throws {
        let capacity = self.capacity
        try state.wait(until: { $0.chunks.count < capacity || $0.readerClosed }) { state in
            if state.readerClosed { throw ReaderClosed() }
            state.chunks.append(chunk)
        }
    }

    /// No more chunks: the reader sees the end, or `error` once it has read what was queued.
    public func finish(throwing error: (any Error)? = nil) {
        state.withLock { state in
            state.finished = true
            state.failure = state.failure ?? error
        }
    }

    /// The reader stops reading: queued and future chunks are dropped, senders fail, and a read
    /// still waiting throws `CancellationError`.
    public func closeReader() {
        let senders = state.withLock { state in
            state.readerClosed = true
            state.finished = true
            state.failure = state.failure ?? CancellationError()
            state.chunks.removeAll()
            defer { state.waitingSenders.removeAll() }
            return state.waitingSenders
        }
        for waiting in senders { waiting.sender.resume(throwing: ReaderClosed()) }
    }

    /// The next chunk, waiting for one; empty at the end. Throws the producer's error after the
    /// chunks queued before it.
    public func read() throws -> [UInt8] {
        let capacity = self.capacity
        let (next, resumed) = state.wait(until: { !$0.chunks.isEmpty || $0.finished }) { state in
            guard !state.chunks.isEmpty else {
                return (state.failure.map(Next.failed) ?? .end, [CheckedContinuation<Void, any Error>]())
            }
            let chunk = state.chunks.removeFirst()
            // Room again: a parked sender's chunk moves in, in order, and the sender goes on.
            var resumed: [CheckedContinuation<Void, any Error>] = []
            while state.chunks.count < capacity, !state.waitingSenders.isEmpty {
                let waiting = state.waitingSenders.removeFirst()
                state.chunks.append(waiting.chunk)
                resumed.append(waiting.sender)
            }
            return (.chunk(chunk), resumed)
        }
        for sender in resumed { sender.resume() }
        switch next {
        case .chunk(let chunk): return chunk
        case .end: return []
        case .failed(let error): throw error
        }
    }

    /// What a read found.
    private enum Next {
        case chunk([UInt8])
        case end
        case failed(any Error)
    }
}
