import Foundation

/// Gathers bytes handed over from a transfer thread; for `getBytes` and tests.
final class ByteCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [UInt8] = []

    func append(_ bytes: [UInt8]) {
        lock.withLock { storage.append(contentsOf: bytes) }
    }

    var count: Int { lock.withLock { storage.count } }

    var bytes: [UInt8] { lock.withLock { storage } }
}
