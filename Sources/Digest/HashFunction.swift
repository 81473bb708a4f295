internal import CCrypto

/// The hash functions Stevedore needs: SHA-256 for SigV4 and content checksums, MD5 for S3's
/// `Content-MD5` header.
public enum HashFunction: Sendable, Hashable {
    case sha256
    case md5

    /// The digest's length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: return 32
        case .md5: return 16
        }
    }

    /// libcrypto's name for the digest, as `EVP_MD_fetch` and the HMAC MAC want it.
    var openSSLName: String {
        switch self {
        case .sha256: return "SHA256"
        case .md5: return "MD5"
        }
    }

    /// The digest of `bytes` in one call.
    public func hash(_ bytes: some Sequence<UInt8>) -> HashDigest {
        var hasher = StreamingHash(self)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of the UTF-8 bytes of `text`.
    public func hash(_ text: String) -> HashDigest {
        hash(Array(text.utf8))
    }
}

/// SHA-256 in one call: `SHA256.hash(bytes).hex`.
public enum SHA256 {
    /// The hex SHA-256 of an empty body, which S3 wants in `x-amz-content-sha256` for bodiless requests.
    public static let emptyHex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public static func hash(_ bytes: some Sequence<UInt8>) -> HashDigest { HashFunction.sha256.hash(bytes) }
    public static func hash(_ text: String) -> HashDigest { HashFunction.sha256.hash(text) }
}

/// MD5 in one call, for S3's `Content-MD5` header (never for anything that must resist attack).
public enum MD5 {
    public static func hash(_ bytes: some Sequence<UInt8>) -> HashDigest { HashFunction.md5.hash(bytes) }
    public static func hash(_ text: String) -> HashDigest { HashFunction.md5.hash(text) }
}
