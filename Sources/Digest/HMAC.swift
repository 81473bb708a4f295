internal import CCrypto

/// HMAC over a `HashFunction` (RFC 2104), the building block of SigV4's signing key and signature.
public struct HMAC {
    private let context: MACContext

    /// Starts a MAC keyed with `key`.
    public init(_ function: HashFunction = .sha256, key: some Sequence<UInt8>) {
        CryptoRuntime.prepare()
        context = MACContext(function, key: Array(key))
    }

    /// Feeds `bytes` into the MAC.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            context.update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { context.update($0) }
        }
    }

    /// The authentication code of everything fed so far.
    public func finalize() -> HashDigest {
        context.finalize()
    }

    /// HMAC-SHA256 of `message` under `key` in one call.
    public static func sha256(key: some Sequence<UInt8>, message: some Sequence<UInt8>) -> HashDigest {
        var mac = HMAC(.sha256, key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// HMAC-SHA256 of the UTF-8 bytes of `message` under `key`.
    public static func sha256(key: some Sequence<UInt8>, message: String) -> HashDigest {
        sha256(key: key, message: Array(message.utf8))
    }
}

/// Owns one `EVP_MAC_CTX`; frees it on deinit.
final class MACContext {
    private let context: OpaquePointer
    private var finalized = false

    init(_ function: HashFunction, key: [UInt8]) {
        let created = key.withUnsafeBufferPointer { keyBuffer in
            function.openSSLName.withCString { name in
                stevedore_hmac_new(name, keyBuffer.baseAddress, keyBuffer.count)
            }
        }
        guard let created else {
            fatalError("libcrypto: HMAC(\(function.openSSLName)) could not be created")
        }
        context = created
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    func update(_ buffer: UnsafeRawBufferPointer) {
        precondition(!finalized, "HMAC updated after finalize()")
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        LibCrypto.check(
            EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), buffer.count), "EVP_MAC_update")
    }

    func finalize() -> HashDigest {
        precondition(!finalized, "HMAC finalized twice")
        finalized = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        LibCrypto.check(EVP_MAC_final(context, &out, &length, out.count), "EVP_MAC_final")
        return HashDigest(bytes: Array(out.prefix(length)))
    }
}
