import Foundation

/// Sends HTTP requests with libcurl on threads of its own, so that blocking transfers never hold a
/// thread of Swift's cooperative pool. Each thread keeps one curl handle, and so its connections,
/// alive between requests; the number of threads bounds how many transfers run at once.
public final class CurlTransport: Sendable {
    private let threads: TransferThreads
    public let options: TransferOptions

    public init(concurrency: Int = 4, options: TransferOptions = TransferOptions()) {
        threads = TransferThreads(count: max(1, concurrency))
        self.options = options
    }

    deinit {
        threads.shutdown()
    }

    /// Sends `request` (already signed) with `body`, delivering the response body to `sink`.
    public func perform(_ request: HTTPRequest, body: RequestBody = .none,
                        sink: ResponseSink = .collect) async throws -> HTTPResponse {
        let options = self.options
        let cancellation = CancellationFlag()
        let handoff = BodyHandoff(body)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                threads.submit { easy in
                    // The transfer lets go of the body before the caller resumes, so a caller that
                    // reuses the body's buffer finds it no longer shared.
                    let result = Result {
                        if cancellation.isSet { throw CancellationError() }
                        guard let easy else {
                            throw ObjectStoreError(code: .transportFailure, message: "curl_easy_init failed")
                        }
                        return try CurlTransfer.perform(request, body: handoff.take(), sink: sink, on: easy,
                                                        options: options, cancellation: cancellation)
                    }
                    continuation.resume(with: result)
                }
            }
        } onCancel: {
            cancellation.set()
        }
    }

    /// Runs blocking work (hashing a file range, reading a file) on a transfer thread, so it never
    /// holds a thread of the cooperative pool.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            threads.submit { _ in continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A fixed set of threads, each owning one `CurlEasy`, taking transfers from one queue.
final class TransferThreads: @unchecked Sendable {
    typealias Work = @Sendable (CurlEasy?) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    /// Taken work is set to nil at once: a finished transfer must not keep its body alive.
    private var queue: [Work?] = []
    private var head = 0
    private var stopping = false

    init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [self] in
                Thread.current.name = "stevedore-curl-\(index)"
                work()
            }
            thread.start()
        }
    }

    func submit(_ work: @escaping Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish what is queued, then end.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        let easy = try? CurlEasy()
        while let next = take() {
            next(easy)
        }
    }

    private func take() -> Work? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !stopping {
            condition.wait()
        }
        guard head < queue.count else { return nil }
        let work = queue[head]
        queue[head] = nil
        head += 1
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return work
    }
}

/// Passes a request body to the transfer thread that sends it, and lets go of it there: the
/// submitted closure holds only this, emptied once the transfer has taken the body.
private final class BodyHandoff: @unchecked Sendable {
    // Taken once, by the one transfer it was made for.
    private var body: RequestBody

    init(_ body: RequestBody) {
        self.body = body
    }

    func take() -> RequestBody {
        defer { body = .none }
        return body
    }
}
