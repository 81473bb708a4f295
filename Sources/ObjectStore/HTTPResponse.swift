/// What came back: the status, the headers, and the body when it was collected in memory.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HTTPHeaderField]
    /// The body, when the transfer collected it (`ResponseSink.collect`); empty when streamed.
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeaderField], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header called `name` (any case).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// S3's request id: `x-amz-request-id`, or moto's and MinIO's equivalents.
    public var requestID: String? {
        header("x-amz-request-id") ?? header("x-amzn-requestid")
    }
}

/// One response header.
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
}

/// Where a request's body comes from. A file is read in pieces as curl sends it, never whole.
public enum RequestBody: Sendable, Hashable {
    case none
    case bytes([UInt8])
    /// `length` bytes of the file at `path`, from `offset`.
    case file(path: String, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .none: return 0
        case .bytes(let bytes): return Int64(bytes.count)
        case .file(_, _, let length): return length
        }
    }
}

/// Where a response's body goes: kept in memory, or handed to `handler` piece by piece on the
/// transfer thread as it arrives (a throw from the handler aborts the transfer). `checkHeaders`
/// sees a successful response's status and headers before its first byte and may refuse it.
public enum ResponseSink: Sendable {
    case collect
    case handler(
        @Sendable ([UInt8]) throws -> Void,
        checkHeaders: (@Sendable (Int, [HTTPHeaderField]) throws -> Void)? = nil)
}
