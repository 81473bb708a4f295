internal import CCrypto

/// libcrypto's process-wide setup. OpenSSL frees its global state from an `atexit` handler, which
/// races with threads that are still releasing hashes, MACs and TLS state when the process exits
/// (seen as "double free or corruption" aborts after a command had finished). Initializing it with
/// `OPENSSL_INIT_NO_ATEXIT` before anything else uses it (curl, libpq, Digest) leaves that state to
/// the operating system. Call `prepare()` first thing; later calls do nothing.
public enum CryptoRuntime {
    private static let prepared: Bool = stevedore_openssl_keep_state_at_exit() == 1

    /// Sets libcrypto up without its exit handler (once per process).
    @discardableResult
    public static func prepare() -> Bool {
        prepared
    }
}
