internal import CCrypto

/// A hash computed over data that arrives in pieces (a staged part as the encoder writes it, a file
/// as it is read). Copies share one libcrypto context: use each hasher from one place.
public struct StreamingHash {
    private let context: DigestContext
    public let function: HashFunction

    public init(_ function: HashFunction) {
        CryptoRuntime.prepare()
        self.function = function
        self.context = DigestContext(function)
    }

    /// Feeds `bytes` into the hash.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            context.update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { context.update($0) }
        }
    }

    /// Feeds raw memory into the hash without copying it; for hot paths that already hold a buffer.
    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        context.update(bufferPointer)
    }

    /// The digest of everything fed so far. The hasher must not be updated afterwards.
    public func finalize() -> HashDigest {
        context.finalize()
    }
}

/// Owns one `EVP_MD_CTX`; frees it on deinit.
final class DigestContext {
    private let context: OpaquePointer
    private let function: HashFunction
    private var finalized = false

    init(_ function: HashFunction) {
        self.function = function
        guard let context = EVP_MD_CTX_new() else {
            fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)")
        }
        self.context = context
        let md: OpaquePointer?
        switch function {
        case .sha256: md = EVP_sha256()
        case .md5: md = EVP_md5()
        }
        LibCrypto.check(EVP_DigestInit_ex(context, md, nil), "EVP_DigestInit_ex(\(function.openSSLName))")
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func update(_ buffer: UnsafeRawBufferPointer) {
        precondition(!finalized, "StreamingHash updated after finalize()")
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        LibCrypto.check(EVP_DigestUpdate(context, base, buffer.count), "EVP_DigestUpdate")
    }

    func finalize() -> HashDigest {
        precondition(!finalized, "StreamingHash finalized twice")
        finalized = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        LibCrypto.check(EVP_DigestFinal_ex(context, &out, &length), "EVP_DigestFinal_ex")
        return HashDigest(bytes: Array(out.prefix(Int(length))))
    }
}

/// The one place libcrypto return codes are checked. A failing digest call means a broken
/// libcrypto installation or no memory; nothing a caller can recover from, so it stops the process
/// with the call's name rather than returning a wrong digest.
enum LibCrypto {
    static func check(_ result: Int32, _ call: @autoclosure () -> String) {
        if result != 1 {
            fatalError("libcrypto: \(call()) failed with \(result)")
        }
    }
}
