import Blocking
import Foundation

/// Byte buffers handed back once used (a part's gzip bytes once uploaded, a batch's CSV once
/// copied), so a load allocates its buffers once instead of once per part or batch: each fresh
/// allocation of a megabyte costs page faults, and freed ones fragment the heap until peak memory
/// grows with the input. Holds at most `limit` idle buffers. Hand back only a buffer nothing else
/// holds (`consume` it): emptying a shared one would allocate anew.
final class PartBufferPool: Sendable {
    private let state = LockedBox((idle: [[UInt8]](), allocated: 0))
    let limit: Int

    init(limit: Int = 8) {
        self.limit = limit
    }

    /// An empty buffer that can hold `capacity` bytes without growing.
    func take(capacity: Int) -> [UInt8] {
        var buffer = state.withLock { $0.idle.popLast() } ?? []
        if buffer.capacity < capacity {
            state.withLock { $0.allocated += 1 }
            buffer.reserveCapacity(capacity)
        }
        return buffer
    }

    /// How many times `take` had to allocate: bounded by the buffers in use at once, not by the
    /// number of parts, when buffers come back.
    var allocations: Int {
        state.withLock { $0.allocated }
    }

    /// Keeps `buffer`'s memory for a later `take`.
    func recycle(_ buffer: consuming [UInt8]) {
        guard buffer.capacity > 0 else { return }
        buffer.removeAll(keepingCapacity: true)
        let limit = self.limit
        let kept = consume buffer
        state.withLock { state in
            if state.idle.count < limit { state.idle.append(kept) }
        }
    }
}

/// Moves a buffer into a child task: a closure's capture cannot be moved from, so a buffer
/// captured directly would still be shared (and not reusable) after the task is done with it.
final class BufferHandoff: @unchecked Sendable {
    // Taken once, by the one task it was made for.
    private var bytes: [UInt8]

    init(_ bytes: consuming [UInt8]) {
        self.bytes = bytes
    }

    /// The buffer; the handoff is empty afterwards.
    func take() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        return taken
    }
}
