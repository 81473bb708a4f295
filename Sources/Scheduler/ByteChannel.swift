import Foundation
import Frames

/// Hands chunks of bytes from a producer (a COPY TO STDOUT, an object download) to a reader on
/// another thread, holding at most `capacity` chunks: a fast producer waits for the reader, so
/// memory stays bounded whatever the size of the data.
///
/// The reader side (`read`) blocks, and so must run on a thread of its own (`SourceThread`); the
/// producer side either suspends (`send`, for async producers on the cooperative pool) or blocks
/// (`sendBlocking`, for a thread of its own such as a transfer thread).
final class ByteChannel: ByteSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var finished = false
    private var failure: (any Error)?
    private var readerClosed = false
    private var waitingSenders: [(chunk: [UInt8], sender: CheckedContinuation<Void, any Error>)] = []
    private let capacity: Int

    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// The reader went away (it failed or was cancelled): senders get this error.
    struct ReaderClosed: Error {}

    /// Queues `chunk`, suspending while the channel is full.
    func send(_ chunk: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { continuation in enqueue(chunk, continuation) }
    }

    /// Queues `chunk` now, or parks it with its sender until the reader makes room.
    private func enqueue(_ chunk: [UInt8], _ sender: CheckedContinuation<Void, any Error>) {
        condition.lock()
        if readerClosed {
            condition.unlock()
            sender.resume(throwing: ReaderClosed())
        } else if chunks.count < capacity {
            chunks.append(chunk)
            condition.broadcast()
            condition.unlock()
            sender.resume()
        } else {
            waitingSenders.append((chunk, sender))
            condition.unlock()
        }
    }

    /// Queues `chunk`, blocking the calling thread while the channel is full.
    func sendBlocking(_ chunk: [UInt8]) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !readerClosed { condition.wait() }
        if readerClosed { throw ReaderClosed() }
        chunks.append(chunk)
        condition.broadcast()
    }

    /// No more chunks: the reader sees the end, or `error` once it has read what was queued.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = failure ?? error
        condition.broadcast()
        condition.unlock()
    }

    /// The reader stops reading: queued and future chunks are dropped, senders fail, and a read
    /// still waiting throws `CancellationError`.
    func closeReader() {
        condition.lock()
        readerClosed = true
        finished = true
        failure = failure ?? CancellationError()
        chunks.removeAll()
        let senders = waitingSenders
        waitingSenders.removeAll()
        condition.broadcast()
        condition.unlock()
        for waiting in senders { waiting.sender.resume(throwing: ReaderClosed()) }
    }

    /// The next chunk, waiting for one; empty at the end. Throws the producer's error after the
    /// chunks queued before it.
    func read() throws -> [UInt8] {
        condition.lock()
        while chunks.isEmpty && !finished { condition.wait() }
        if chunks.isEmpty {
            let failure = self.failure
            condition.unlock()
            if let failure { throw failure }
            return []
        }
        let chunk = chunks.removeFirst()
        // Room again: a parked sender's chunk moves in, in order, and the sender goes on.
        var resumed: [CheckedContinuation<Void, any Error>] = []
        while chunks.count < capacity, !waitingSenders.isEmpty {
            let waiting = waitingSenders.removeFirst()
            chunks.append(waiting.chunk)
            resumed.append(waiting.sender)
        }
        condition.broadcast()
        condition.unlock()
        for sender in resumed { sender.resume() }
        return chunk
    }
}
