import Blocking
import Foundation

/// Gathers bytes handed over from a transfer thread; for `getBytes` and tests.
final class ByteCollector: Sendable {
    private let storage = LockedBox<[UInt8]>([])

    func append(_ bytes: [UInt8]) {
        storage.withLock { $0.append(contentsOf: bytes) }
    }

    var count: Int { storage.withLock { $0.count } }

    var bytes: [UInt8] { storage.withLock { $0 } }
}
