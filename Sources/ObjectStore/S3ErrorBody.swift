/// S3's error document, `<Error><Code/><Message/><RequestId/>…</Error>`, read without an XML
/// library: the fields are flat text elements.
struct S3ErrorBody: Sendable, Hashable {
    var code: String?
    var message: String?
    var requestID: String?

    init(_ body: [UInt8]) {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        code = XMLText.firstElement("Code", in: text)
        message = XMLText.firstElement("Message", in: text)
        requestID = XMLText.firstElement("RequestId", in: text)
    }
}

extension ObjectStoreError {
    /// The error for a response with an error status, from S3's error document when there is one.
    init(response: HTTPResponse, operation: String, bucket: String?, key: String?) {
        let document = S3ErrorBody(response.body)
        self.init(
            code: .serverError,
            message: document.message ?? "HTTP \(response.status)",
            operation: operation, bucket: bucket, key: key,
            httpStatus: response.status,
            s3Code: document.code ?? Self.codeForBodilessStatus(response.status),
            requestID: document.requestID ?? response.requestID)
    }

    /// HEAD answers carry no body; name the usual code for the status.
    private static func codeForBodilessStatus(_ status: Int) -> String? {
        switch status {
        case 403: return "AccessDenied"
        case 404: return "NotFound"
        case 503: return "SlowDown"
        default: return nil
        }
    }
}
