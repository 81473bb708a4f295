import Foundation
import Frames
import Stevedore

/// Runs a blocking reader (CSV or JSON Lines over a file, a pipe or a `ByteChannel`) on a thread
/// of its own and hands its batches to the load as a `LoadSource`, one batch per request: the
/// cooperative pool never blocks on a source, and memory holds a batch at a time.
///
/// `interrupt` is called (from any thread) when the loading task is cancelled, to unblock the
/// reader (stop the command, fail the channel); `cleanup` runs once on the thread when reading
/// ends, fails, or the load drops the source.
final class SourceThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: CheckedContinuation<TextBatch?, any Error>?
    private var closed = false
    private let open: () throws -> () throws -> TextBatch?
    private var reader: (() throws -> TextBatch?)?
    private let interrupt: @Sendable () -> Void

    /// `open` makes the reader, on the thread, at the first request: a reader's constructor may
    /// block too (a CSV reader reads the header).
    init(name: String, open: @escaping () throws -> () throws -> TextBatch?, interrupt: @escaping @Sendable () -> Void = {},
         cleanup: @escaping @Sendable () -> Void = {}) {
        self.open = open
        self.interrupt = interrupt
        let thread = Thread { [self] in
            run()
            condition.lock()
            closed = true
            condition.unlock()
            cleanup()
        }
        thread.name = name
        thread.start()
    }

    /// The source for a load. When the load drops it (finished, failed or cancelled), the thread ends.
    var loadSource: LoadSource {
        let handle = Handle(self)
        return .batches(AsyncThrowingStream(unfolding: { try await handle.thread.next() }))
    }

    /// Closes the thread when the load's stream lets go of it.
    private final class Handle: Sendable {
        let thread: SourceThread
        init(_ thread: SourceThread) { self.thread = thread }
        deinit { thread.close() }
    }

    func next() async throws -> TextBatch? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if closed {
                    condition.unlock()
                    continuation.resume(returning: nil)
                    return
                }
                pending = continuation
                condition.signal()
                condition.unlock()
            }
        } onCancel: {
            interrupt()
        }
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
        interrupt()
    }

    private func run() {
        while true {
            condition.lock()
            while pending == nil && !closed { condition.wait() }
            guard let continuation = pending else {
                condition.unlock()
                return
            }
            pending = nil
            condition.unlock()
            do {
                if reader == nil { reader = try open() }
                let batch = try reader!()
                continuation.resume(returning: batch)
                if batch == nil { return }
            } catch {
                continuation.resume(throwing: error)
                return
            }
        }
    }
}
