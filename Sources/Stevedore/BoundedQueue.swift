/// Hands values from one task to another in order, holding at most `capacity`: the sender waits
/// while the receiver is behind, so memory holds a few values whatever the input's size. Either
/// side ends it with `finish`, and each must on every way out, or the other is left waiting.
actor BoundedQueue<Element: Sendable> {
    private var items: [Element] = []
    private var finished = false
    private var failure: (any Error)?
    private var receiver: CheckedContinuation<Element?, any Error>?
    private var senders: [CheckedContinuation<Void, Never>] = []
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `element`, waiting while the queue is full; throws once the queue has finished (the
    /// receiver gave up), with the error it finished with.
    func send(_ element: Element) async throws {
        while items.count >= capacity && !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { throw failure ?? CancellationError() }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: element)
        } else {
            items.append(element)
        }
    }

    /// The next element; nil once the sender finished and the queue is empty.
    func next() async throws -> Element? {
        if !items.isEmpty {
            let element = items.removeFirst()
            if let sender = senders.first {
                senders.removeFirst()
                sender.resume()
            }
            return element
        }
        if let failure { throw failure }
        if finished { return nil }
        return try await withCheckedThrowingContinuation { receiver = $0 }
    }

    /// No more elements; with `error`, the receiver gets it once the queued elements are taken.
    /// Waiting senders are let go. Only the first call's error counts.
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
