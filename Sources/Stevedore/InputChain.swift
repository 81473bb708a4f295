import Frames

/// Reads several inputs one after the other as one stream of batches (the files of a glob, the
/// objects under a prefix), opening each when its turn comes. Every CSV input must have the first
/// one's header: a different one is an error naming that input and both headers.
final class InputChain {
    private let inputs: [LoadInput]
    private let format: SourceFormat
    private var index = 0
    private var current: InputReader?
    /// The first CSV input's header, and that input's name.
    private var expected: (header: [String], name: String)?

    init(_ inputs: [LoadInput], format: SourceFormat) {
        self.inputs = inputs
        self.format = format
    }

    /// Opens the first input now (a bad first file fails before the load starts).
    func openFirst() throws {
        if current == nil, index < inputs.count { current = try open(inputs[index]) }
    }

    func next() throws -> TextBatch? {
        while index < inputs.count {
            if current == nil { current = try open(inputs[index]) }
            if let batch = try current?.next() { return batch }
            current = nil
            index += 1
        }
        return nil
    }

    private func open(_ input: LoadInput) throws -> InputReader {
        let raw = try input.open()
        let bytes: any ByteSource = input.name.hasSuffix(".gz") ? try GzipByteSource(raw) : raw
        let reader = try format.reader(for: input.name, bytes: bytes, path: input.path)
        if let header = reader.header {
            if let expected, expected.header != header {
                throw FrameError(
                    kind: .shapeMismatch, file: input.name, line: 1,
                    message: "the header (\(header.joined(separator: ","))) differs from that of \(expected.name) "
                        + "(\(expected.header.joined(separator: ","))); every file of a load needs the same columns "
                        + "in the same order")
            }
            expected = expected ?? (header, input.name)
        }
        return reader
    }
}
