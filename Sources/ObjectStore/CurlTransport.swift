import Blocking
import Foundation

/// Sends HTTP requests with libcurl on the threads of a `BlockingPool`, so that blocking transfers
/// never hold a thread of Swift's cooperative pool. Idle curl handles, and so their connections,
/// are kept between requests; `concurrency` bounds how many transfers run at once.
public final class CurlTransport: Sendable {
    private let pool: BlockingPool
    private let permits: Permits
    private let idleHandles = LockedBox<[CurlEasy]>([])
    public let options: TransferOptions

    public init(concurrency: Int = 4, options: TransferOptions = TransferOptions(), pool: BlockingPool = .shared) {
        self.pool = pool
        permits = Permits(max(1, concurrency))
        self.options = options
    }

    /// Sends `request` (already signed) with `body`, delivering the response body to `sink`.
    public func perform(
        _ request: HTTPRequest, body: RequestBody = .none,
        sink: ResponseSink = .collect
    ) async throws -> HTTPResponse {
        let options = self.options
        let cancellation = CancellationFlag()
        let handoff = BodyHandoff(body)
        let idleHandles = self.idleHandles
        return try await permits.withPermit {
            try await withTaskCancellationHandler {
                try await pool.run {
                    if cancellation.isSet { throw CancellationError() }
                    let easy = try idleHandles.withLock { $0.popLast() } ?? CurlEasy()
                    defer { idleHandles.withLock { $0.append(easy) } }
                    // The transfer lets go of the body before the caller resumes, so a caller that
                    // reuses the body's buffer finds it no longer shared.
                    return try CurlTransfer.perform(
                        request, body: handoff.take(), sink: sink, on: easy,
                        options: options, cancellation: cancellation)
                }
            } onCancel: {
                cancellation.set()
            }
        }
    }

    /// Runs blocking work (hashing a file range, reading a file) on the pool, so it never holds a
    /// thread of the cooperative pool.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(body)
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
