/// A gzip stream that could not be written or read: which operation, zlib's code and message,
/// and for reading, how many compressed bytes had been consumed when it went wrong.
public struct GzipError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in terms a caller can act on.
    public enum Kind: Sendable, Hashable {
        /// The input is not gzip data, or its bytes or checksum are wrong.
        case corrupt
        /// The input ended in the middle of a gzip member.
        case truncated
        /// zlib could not start or run (bad level, no memory).
        case zlibFailure
    }

    public var kind: Kind
    /// zlib's return code (`Z_DATA_ERROR`, …), when zlib reported one.
    public var zlibCode: Int32?
    /// zlib's message, or ours.
    public var message: String
    /// Compressed bytes consumed before the error, when reading.
    public var offset: Int?

    public init(kind: Kind, zlibCode: Int32? = nil, message: String, offset: Int? = nil) {
        self.kind = kind
        self.zlibCode = zlibCode
        self.message = message
        self.offset = offset
    }

    public var description: String {
        var text: String
        switch kind {
        case .corrupt: text = "corrupt gzip data"
        case .truncated: text = "truncated gzip data"
        case .zlibFailure: text = "zlib failure"
        }
        text += ": \(message)"
        if let zlibCode { text += " (zlib code \(zlibCode))" }
        if let offset { text += " at compressed byte \(offset)" }
        return text
    }
}
