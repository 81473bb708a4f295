import Foundation
import Frames

/// A pipe's bytes as they arrive: each read returns what is there (waiting for some), so a slow
/// writer's rows reach the load as it writes them, not once a large buffer has filled.
final class PipeByteSource: ByteSource {
    private let handle: FileHandle

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func read() throws -> [UInt8] {
        Array(handle.availableData)
    }
}
