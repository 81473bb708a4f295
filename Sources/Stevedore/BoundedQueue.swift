/// Hands values from one task to another in order, holding at most `capacity` (counted in values,
/// or in what `weight` says each weighs, e.g. bytes; one value is always let in): the sender waits
/// while the receiver is behind, so memory holds a few values whatever the input's size. Either
/// side ends it with `finish`, and each must on every way out, or the other is left waiting.
actor BoundedQueue<Element: Sendable> {
    private var items: [(element: Element, weight: Int)] = []
    private var load = 0
    private var finished = false
    private var failure: (any Error)?
    private var receiver: CheckedContinuation<Element?, any Error>?
    private var senders: [CheckedContinuation<Void, Never>] = []
    private let capacity: Int
    private let weight: @Sendable (Element) -> Int

    init(capacity: Int, weight: @escaping @Sendable (Element) -> Int = { _ in 1 }) {
        self.capacity = max(1, capacity)
        self.weight = weight
    }

    /// Queues `element`, waiting while the queue is full; throws once the queue has finished (the
    /// receiver gave up), with the error it finished with.
    func send(_ element: Element) async throws {
        let weighs = weight(element)
        while !items.isEmpty && load + weighs > capacity && !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { throw failure ?? CancellationError() }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: element)
        } else {
            items.append((element, weighs))
            load += weighs
        }
    }

    /// The next element; nil once the sender finished and the queue is empty.
    func next() async throws -> Element? {
        if !items.isEmpty {
            let (element, weighed) = items.removeFirst()
            load -= weighed
            // Each waiting sender checks again whether its value fits now.
            for sender in senders { sender.resume() }
            senders.removeAll()
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
