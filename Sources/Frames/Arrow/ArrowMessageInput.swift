/// Reads encapsulated IPC messages (continuation marker, metadata length, `Message` flatbuffer,
/// body) from a byte source, in the stream format or the file format (whose leading magic it
/// skips; the footer after the end-of-stream marker is not needed). A body is read as its bytes
/// arrive, never allocated ahead from a length the input declares.
final class ArrowMessageInput {
    /// A message and where it started in the input.
    struct Message {
        var message: ArrowMessage
        var body: [UInt8]
        var offset: Int
    }

    /// Metadata longer than this is refused (a schema of thousands of columns takes kilobytes).
    static let maximumMetadataLength = 64 << 20
    static let fileMagic: [UInt8] = Array("ARROW1".utf8)

    private let source: any ByteSource
    let name: String?
    private var chunk: [UInt8] = []
    private var position = 0
    /// Bytes consumed so far: the input offset of the next byte.
    private(set) var offset = 0
    private var started = false
    private var ended = false
    /// True when the input began with the file format's magic.
    private(set) var isFile = false

    init(_ source: any ByteSource, name: String?) {
        self.source = source
        self.name = name
    }

    /// The next message, or nil at the end-of-stream marker or the end of the input.
    func next() throws -> Message? {
        guard !ended else { return nil }
        if !started {
            started = true
            if try peek(8).starts(with: Self.fileMagic) {
                isFile = true
                _ = try take(8, what: "the file's magic")
            }
        }
        let start = offset
        guard try !peek(4).isEmpty else {
            ended = true
            return nil
        }
        var length = try littleEndianInt32(take(4, what: "a message's length"))
        if length == -1 {
            // The continuation marker; the length follows.
            length = try littleEndianInt32(take(4, what: "a message's length"))
        }
        if length == 0 {
            ended = true
            if isFile { try checkFooter() }
            return nil
        }
        guard length > 0, Int(length) <= Self.maximumMetadataLength else {
            throw error(at: start, "a message declares \(length) bytes of metadata")
        }
        let metadata = try take(Int(length), what: "a message's metadata")
        let decoded: (ArrowMessage, bodyLength: Int64)
        do {
            decoded = try ArrowMessage.decode(metadata)
        } catch {
            throw self.error(
                at: start, "the message's metadata is malformed at its byte \(error.offset): \(error.message)")
        }
        guard decoded.bodyLength <= Int64(Int.max / 2) else {
            throw error(at: start, "a message declares a body of \(decoded.bodyLength) bytes")
        }
        let body = try take(Int(decoded.bodyLength), what: "a message's body")
        return Message(message: decoded.0, body: body, offset: start)
    }

    /// A file goes on after the end-of-stream marker with its footer, the footer's length and the
    /// magic again; the footer indexes what was read in order already, so only its frame is checked.
    private func checkFooter() throws {
        let start = offset
        var rest: [UInt8] = Array(chunk[position...])
        chunk = []
        position = 0
        while rest.count <= Self.maximumMetadataLength + 10 {
            let more = try source.read(naming: name)
            if more.isEmpty { break }
            rest += more
        }
        offset += rest.count
        guard rest.count >= 10, rest.suffix(6).elementsEqual(Self.fileMagic) else {
            throw error(at: start, "the Arrow file does not end with its footer and the magic ARROW1")
        }
        let length = littleEndianInt32(Array(rest[rest.count - 10..<rest.count - 6]))
        guard length > 0, Int(length) == rest.count - 10 else {
            throw error(
                at: start, "the Arrow file's footer length \(length) does not match its \(rest.count - 10) bytes")
        }
    }

    /// A `FrameError` at input byte `offset`.
    func error(at offset: Int, _ message: String) -> FrameError {
        FrameError(kind: .malformedArrow, file: name, byteOffset: offset, message: message)
    }

    /// Up to `count` bytes without consuming them (fewer only at the end of the input).
    private func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        while chunk.count - position < count {
            let more = try source.read(naming: name)
            if more.isEmpty { break }
            chunk = Array(chunk[position...]) + more
            position = 0
        }
        return chunk[position..<min(chunk.count, position + count)]
    }

    /// Exactly `count` bytes; the input ending first is an error naming `what` was cut.
    private func take(_ count: Int, what: String) throws -> [UInt8] {
        var taken: [UInt8] = []
        taken.reserveCapacity(min(count, 1 << 20))
        while taken.count < count {
            if position == chunk.count {
                chunk = try source.read(naming: name)
                position = 0
                if chunk.isEmpty {
                    throw error(
                        at: offset + taken.count,
                        "the Arrow input ends inside \(what) (\(taken.count) of \(count) bytes)")
                }
            }
            let step = min(count - taken.count, chunk.count - position)
            taken.append(contentsOf: chunk[position..<position + step])
            position += step
        }
        offset += count
        return taken
    }

    private func littleEndianInt32(_ bytes: [UInt8]) -> Int32 {
        Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }
}
