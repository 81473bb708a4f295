import Foundation

/// The messages of an Arrow file (Feather v2) read through its footer: the schema from the
/// footer, then each dictionary and record batch at the offset its block gives. Some writers
/// (Polars) do not start the file with a schema message readers could take in order; the footer
/// is what the file format promises. Lengths are checked against the file's size before reading.
final class ArrowFileBlocks {
    private struct Block {
        var offset: Int64
        var metadataLength: Int32
        var bodyLength: Int64
    }

    let name: String?
    let fields: [ArrowField]
    private let handle: FileHandle
    private let size: Int64
    private var blocks: [Block]
    private var nextBlock = 0

    /// The footer of the file open as `handle`, or nil when the file does not end with one (then
    /// it is read in order, as a stream).
    init?(handle: FileHandle, name: String?) throws {
        self.handle = handle
        self.name = name
        size = Int64(try handle.seekToEnd())
        guard size >= 22 else { return nil }
        try handle.seek(toOffset: UInt64(size - 10))
        let tail = Array(try handle.read(upToCount: 10) ?? Data())
        guard tail.count == 10, tail.suffix(6).elementsEqual(ArrowMessageInput.fileMagic) else { return nil }
        let length = Int64(
            Int32(bitPattern: UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24))
        guard length > 0, length <= size - 18, length <= Int64(ArrowMessageInput.maximumMetadataLength) else {
            throw FrameError(
                kind: .malformedArrow, file: name, byteOffset: Int(size - 10),
                message: "the Arrow file's footer length \(length) does not fit the file of \(size) bytes")
        }
        try handle.seek(toOffset: UInt64(size - 10 - length))
        let footerBytes = Array(try handle.read(upToCount: Int(length)) ?? Data())
        do throws(FlatBuffer.Malformed) {
            let footer = try FlatBuffer(footerBytes).root()
            guard let schema = try footer.table(1) else {
                throw FlatBuffer.Malformed(offset: footer.position, message: "the footer holds no schema")
            }
            fields = try ArrowField.fields(ofSchema: schema)
            blocks = try Self.blocks(footer.vector(2, elementSize: 24)) + Self.blocks(footer.vector(3, elementSize: 24))
            // Each block its own bytes: a footer repeating one block would have it read again and again.
            let ordered = blocks.sorted { $0.offset < $1.offset }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                let (end, overflow) = earlier.offset.addingReportingOverflow(
                    Int64(earlier.metadataLength) &+ earlier.bodyLength)
                guard !overflow, end <= later.offset else {
                    throw FlatBuffer.Malformed(offset: footer.position, message: "two footer blocks overlap")
                }
            }
        } catch {
            throw FrameError(
                kind: .malformedArrow, file: name, byteOffset: Int(size - 10 - length) + error.offset,
                message: "the Arrow file's footer is malformed: \(error.message)")
        }
    }

    private static func blocks(_ vector: FlatVector?) throws(FlatBuffer.Malformed) -> [Block] {
        guard let vector else { return [] }
        var blocks: [Block] = []
        for index in 0..<vector.count {
            let at = vector.position(index)
            blocks.append(
                Block(
                    offset: try vector.buffer.int64(at: at), metadataLength: try vector.buffer.int32(at: at + 8),
                    bodyLength: try vector.buffer.int64(at: at + 16)))
        }
        return blocks
    }

    /// The next dictionary or record batch, in the footer's order (dictionaries first).
    func next() throws -> ArrowMessageInput.Message? {
        guard nextBlock < blocks.count else { return nil }
        let block = blocks[nextBlock]
        nextBlock += 1
        let offset = Int(clamping: block.offset)
        guard block.offset >= 8, block.metadataLength >= 8, block.bodyLength >= 0,
            block.offset <= size, Int64(block.metadataLength) <= size - block.offset,
            block.bodyLength <= size - block.offset - Int64(block.metadataLength)
        else {
            throw error(
                at: offset,
                "a footer block of \(block.metadataLength) + \(block.bodyLength) bytes at \(block.offset) lies outside the file"
            )
        }
        try handle.seek(toOffset: UInt64(block.offset))
        let prefixed = Array(try handle.read(upToCount: Int(block.metadataLength)) ?? Data())
        // A continuation marker and a length, or (before format 0.15) the length alone.
        let skip = prefixed.starts(with: [0xFF, 0xFF, 0xFF, 0xFF]) ? 8 : 4
        guard prefixed.count == Int(block.metadataLength), prefixed.count > skip else {
            throw error(at: offset, "the file ends inside a message's metadata")
        }
        let decoded: (ArrowMessage, bodyLength: Int64)
        do throws(FlatBuffer.Malformed) {
            decoded = try ArrowMessage.decode(Array(prefixed[skip...]))
        } catch {
            throw self.error(
                at: offset, "the message's metadata is malformed at its byte \(error.offset): \(error.message)")
        }
        let body = Array(try handle.read(upToCount: Int(block.bodyLength)) ?? Data())
        guard body.count == Int(block.bodyLength) else {
            throw error(at: offset, "the file ends inside a message's body")
        }
        return ArrowMessageInput.Message(message: decoded.0, body: body, offset: offset)
    }

    private func error(at offset: Int, _ message: String) -> FrameError {
        FrameError(kind: .malformedArrow, file: name, byteOffset: offset, message: message)
    }
}
