/// Hands finished parts from staging to the pipelined COPY, holding at most `capacity`: staging
/// waits while the COPY is behind, so memory holds a few parts whatever the input's size.
actor PartQueue {
    private var items: [PartContent] = []
    private var finished = false
    private var failure: (any Error)?
    private var receiver: CheckedContinuation<PartContent?, any Error>?
    private var senders: [CheckedContinuation<Void, Never>] = []
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `part`, waiting while the queue is full; throws once the receiver has given up.
    func send(_ part: PartContent) async throws {
        while items.count >= capacity && !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { throw failure ?? CancellationError() }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: part)
        } else {
            items.append(part)
        }
    }

    /// The next part; nil once the sender finished and the queue is empty.
    func next() async throws -> PartContent? {
        if !items.isEmpty {
            let part = items.removeFirst()
            if let sender = senders.first {
                senders.removeFirst()
                sender.resume()
            }
            return part
        }
        if let failure { throw failure }
        if finished { return nil }
        return try await withCheckedThrowingContinuation { receiver = $0 }
    }

    /// No more parts; with `error`, the receiver gets it once the queued parts are taken. Waiting
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
