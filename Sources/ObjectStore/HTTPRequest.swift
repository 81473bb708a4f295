/// An HTTP request to an S3-compatible endpoint, in the parts SigV4 signs: method, the decoded
/// path, query parameters and headers. `url` encodes the path and query exactly as they are signed.
public struct HTTPRequest: Sendable, Hashable {
    /// One query parameter; `value` nil is a bare name such as `?uploads` (signed as `uploads=`).
    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String?
        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    /// `http` or `https`.
    public var scheme: String
    /// Host name or address, without the port.
    public var host: String
    public var port: Int?
    /// The decoded path, starting with `/` (for S3: `/bucket/key` or `/key`).
    public var path: String
    public var query: [QueryItem]
    /// Headers in the order given; names keep their case, repeated names are allowed.
    public var headers: [(name: String, value: String)]

    public init(
        method: String, scheme: String = "https", host: String, port: Int? = nil, path: String,
        query: [QueryItem] = [], headers: [(name: String, value: String)] = []
    ) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The `Host` header value: the host, with the port unless it is the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    /// The URL to send: the path encoded once (S3's rule) and the query in canonical order.
    public var url: String {
        let query = SigV4Encoding.canonicalQuery(query)
        return "\(scheme)://\(hostHeader)\(SigV4Encoding.encodePath(path))\(query.isEmpty ? "" : "?" + query)"
    }

    /// The first value of the header called `name` (any case).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Replaces every header called `name` (any case) with one of `value`.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lowered = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lowered }
        headers.append((name, value))
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
    }
}
