/// The fixed-size result of a hash or MAC, with the encodings the wire formats need (hex for SigV4,
/// base64 for `Content-MD5` and `x-amz-checksum-*`).
public struct HashDigest: Sendable, Hashable, CustomStringConvertible {
    /// The raw digest bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Lowercase hexadecimal, as SigV4 and `sha256sum` print it.
    public var hex: String {
        Hex.encode(bytes)
    }

    /// Standard base64 with padding (RFC 4648 §4), as `Content-MD5` wants it.
    public var base64: String {
        Base64.encode(bytes)
    }

    public var description: String { hex }
}
