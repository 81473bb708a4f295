/// Converts a source in another encoding (`TextEncoding`) to UTF-8 chunk by chunk, so memory holds
/// a chunk or two whatever the input's size. A character split across chunks waits for the rest;
/// a byte that is no character of the encoding fails with the file, line and byte offset.
final class TranscodingByteSource: ByteSource {
    private let source: any ByteSource
    private let encoding: TextEncoding
    private let file: String?
    private var converter: Iconv?
    /// Bytes of a character split across chunks, converted with the next chunk.
    private var carried: [UInt8] = []
    /// Input bytes consumed so far (the byte offset of `carried`'s first byte).
    private var offset = 0
    /// Line feeds written so far, for the line of an error.
    private var lineFeeds = 0
    private var ended = false

    init(_ source: any ByteSource, encoding: TextEncoding, file: String?) throws(FrameError) {
        self.source = source
        self.encoding = encoding
        self.file = file
        switch encoding {
        case .utf8: converter = nil
        case .latin1: converter = try Self.open("ISO-8859-1", file: file)
        case .windows1252: converter = try Self.open("WINDOWS-1252", file: file)
        case .utf16: converter = nil  // opened once the byte order mark says which
        }
    }

    private static func open(_ name: String, file: String?) throws(FrameError) -> Iconv {
        guard let converter = Iconv(from: name) else {
            throw FrameError(kind: .invalidOptions, file: file, message: "iconv cannot convert from \(name)")
        }
        return converter
    }

    func read() throws -> [UInt8] {
        guard encoding != .utf8 else { return try source.read(naming: file) }
        while !ended {
            let chunk = try source.read(naming: file)
            if chunk.isEmpty {
                ended = true
                if !carried.isEmpty {
                    throw failure(
                        "the input ends inside a \(encoding.rawValue) character at byte offset \(offset)")
                }
                return []
            }
            let input = carried.isEmpty ? chunk : carried + chunk
            carried = []
            var start = 0
            if converter == nil {
                // UTF-16: the byte order mark chooses the byte order, and is not part of the text.
                guard input.count >= 2 else {
                    carried = input
                    continue
                }
                switch (input[0], input[1]) {
                case (0xFF, 0xFE): converter = try Self.open("UTF-16LE", file: file)
                case (0xFE, 0xFF): converter = try Self.open("UTF-16BE", file: file)
                default:
                    throw failure("UTF-16 input must start with a byte order mark (FF FE or FE FF)")
                }
                start = 2
                offset = 2
            }
            var output: [UInt8] = []
            output.reserveCapacity(input.count * 3 / 2)
            let (consumed, stop) = converter!.convert(input, from: start, into: &output)
            lineFeeds += output.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            offset += consumed
            switch stop {
            case .end: break
            case .incomplete: carried = Array(input[(start + consumed)...])
            case .invalid:
                let shown = input[(start + consumed)...].prefix(encoding == .utf16 ? 2 : 1)
                throw failure(
                    "invalid \(encoding.rawValue) byte(s) "
                        + shown.map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
                        + " at byte offset \(offset)")
            }
            if !output.isEmpty { return output }
        }
        return []
    }

    private func failure(_ message: String) -> FrameError {
        FrameError(kind: .invalidEncoding, file: file, line: lineFeeds + 1, message: message)
    }
}
