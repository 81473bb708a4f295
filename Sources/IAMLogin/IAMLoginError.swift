/// A failed fetch of temporary database credentials: the action, the HTTP status, AWS's error code,
/// message and request id, or the transport's failure. Never holds a secret: the request's
/// signature, the caller's keys and the returned password are kept out of it.
public struct IAMLoginError: Error, Sendable, CustomStringConvertible {
    /// `GetClusterCredentialsWithIAM` or `GetCredentials`.
    public var action: String
    public var message: String
    public var httpStatus: Int?
    /// AWS's error code, e.g. `ClusterNotFound`, `SignatureDoesNotMatch`, `ResourceNotFoundException`.
    public var awsCode: String?
    public var requestID: String?

    public init(
        action: String, message: String, httpStatus: Int? = nil, awsCode: String? = nil, requestID: String? = nil
    ) {
        self.action = action
        self.message = message
        self.httpStatus = httpStatus
        self.awsCode = awsCode
        self.requestID = requestID
    }

    public var description: String {
        var text = "\(action) failed: "
        if let awsCode { text += "\(awsCode): " }
        text += message
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }
}
