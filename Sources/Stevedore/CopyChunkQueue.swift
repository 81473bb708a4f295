/// Hands encoded batches from staging to the pipelined COPY, holding at most `capacity`: staging
/// waits while the COPY is behind, so memory holds a few batches whatever the input's size.
actor CopyChunkQueue {
    private var items: [CopyChunk] = []
    private var finished = false
    private var failure: (any Error)?
    private var receiver: CheckedContinuation<CopyChunk?, any Error>?
    private var senders: [CheckedContinuation<Void, Never>] = []
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `chunk`, waiting while the queue is full; throws once the receiver has given up.
    func send(_ chunk: CopyChunk) async throws {
        while items.count >= capacity && !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { throw failure ?? CancellationError() }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: chunk)
        } else {
            items.append(chunk)
        }
    }

    /// The next chunk; nil once the sender finished and the queue is empty.
    func next() async throws -> CopyChunk? {
        if !items.isEmpty {
            let chunk = items.removeFirst()
            if let sender = senders.first {
                senders.removeFirst()
                sender.resume()
            }
            return chunk
        }
        if let failure { throw failure }
        if finished { return nil }
        return try await withCheckedThrowingContinuation { receiver = $0 }
    }

    /// No more chunks; with `error`, the receiver gets it once the queued chunks are taken. Waiting
    /// senders are let go.
    func finish(throwing error: (any Error)? = nil) {
        finished = true
        failure = failure ?? error
        for sender in senders { sender.resume() }
        senders.removeAll()
        if let receiver {
            self.receiver = nil
            if let failure { receiver.resume(throwing: failure) } else { receiver.resume(returning: nil) }
        }
    }
}
