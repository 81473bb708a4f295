/// A failed object-store operation: which operation on which bucket and key, the HTTP status, S3's
/// error code, message and request id, or the transport's failure. Never holds a secret.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The server answered with an error status (see `s3Code`, `httpStatus`).
        public static let serverError = Code("serverError")
        /// The request never got an answer: connection refused or reset, DNS, TLS, timeout.
        public static let transportFailure = Code("transportFailure")
        /// The request cannot be made as asked (a bad key, an expiry out of range).
        public static let invalidRequest = Code("invalidRequest")
        /// No credentials were found in the places they are looked for.
        public static let missingCredentials = Code("missingCredentials")
        /// The server's answer could not be understood.
        public static let invalidResponse = Code("invalidResponse")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The operation, e.g. `PutObject`, `GetObject`.
    public var operation: String?
    public var bucket: String?
    public var key: String?
    public var httpStatus: Int?
    /// S3's error code, e.g. `NoSuchBucket`, `SignatureDoesNotMatch`, `SlowDown`.
    public var s3Code: String?
    public var requestID: String?
    /// libcurl's error code for transport failures.
    public var curlCode: Int?

    public init(
        code: Code, message: String, operation: String? = nil, bucket: String? = nil, key: String? = nil,
        httpStatus: Int? = nil, s3Code: String? = nil, requestID: String? = nil, curlCode: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.httpStatus = httpStatus
        self.s3Code = s3Code
        self.requestID = requestID
        self.curlCode = curlCode
    }

    /// curl's codes for a connection that failed, broke or stalled: worth another attempt.
    /// (Refused or reset connections, timeouts, empty or cut replies, send/receive errors, TLS
    /// handshake failures, HTTP/2 stream errors, a body that could not be rewound.)
    static let transientCurlCodes: Set<Int> = [7, 16, 18, 28, 35, 52, 55, 56, 65, 92]

    /// True for failures S3 says are worth retrying: 5xx, throttling, timeouts, connection resets.
    /// Other transport failures (DNS, a bad certificate, a malformed URL) are not retried.
    public var isTransient: Bool {
        if code == .transportFailure { return curlCode.map(Self.transientCurlCodes.contains) ?? false }
        if let s3Code,
            [
                "InternalError", "SlowDown", "RequestTimeout", "PriorRequestNotComplete",
                "ServiceUnavailable", "Throttling", "ThrottlingException",
            ].contains(s3Code)
        {
            return true
        }
        if let httpStatus, [500, 502, 503, 504].contains(httpStatus) { return true }
        return false
    }

    public var description: String {
        var text = operation.map { "\($0) failed" } ?? "object store request failed"
        if let bucket { text += " for s3://\(bucket)/\(key ?? "")" }
        text += ": "
        if let s3Code { text += "\(s3Code): " }
        text += message
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let requestID { text += " [request id \(requestID)]" }
        if let curlCode { text += " [curl error \(curlCode)]" }
        return text
    }
}
