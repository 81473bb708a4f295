/// Timeouts and TLS settings of a transport. TLS verification is always on unless the loud
/// `insecureSkipTLSVerification` is set.
public struct TransferOptions: Sendable, Hashable {
    public var connectTimeout: Duration = .seconds(10)
    /// A transfer that moves less than 1 byte a second for this long is abandoned.
    public var lowSpeedTimeout: Duration = .seconds(60)
    /// A CA bundle to verify servers with, instead of the system's.
    public var caBundlePath: String?
    /// Turns TLS certificate checks off. For a test endpoint with a self-signed certificate only.
    public var insecureSkipTLSVerification = false

    public init() {}
}
