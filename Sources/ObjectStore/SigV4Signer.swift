import Digest
import Foundation

/// Signs HTTP requests with AWS Signature Version 4 the way S3 wants it: the path encoded once and
/// never normalized, query parameters sorted and encoded, every header but a few transport ones
/// signed, and the payload's real SHA-256 in `x-amz-content-sha256`. Pure: no I/O, no clock of its
/// own (the caller passes the time), so it is tested against the AWS test-suite vectors.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What the signature says about the body.
    public enum Payload: Sendable, Hashable {
        /// The hex SHA-256 of the body, known before sending (every staged part, every XML body).
        case sha256(String)
        /// No body.
        case empty
        /// `UNSIGNED-PAYLOAD`: only for bodies whose hash cannot be known before they are sent
        /// (presigned URLs). The server then cannot check the body against the signature.
        case unsigned

        public var value: String {
            switch self {
            case .sha256(let hex): return hex
            case .empty: return SHA256.emptyHex
            case .unsigned: return "UNSIGNED-PAYLOAD"
            }
        }
    }

    /// The intermediate texts of one signature, for tests and for diagnosing a mismatch.
    public struct Signature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
    }

    /// Headers left out of the signature: transports add or change them in flight.
    static let unsignedHeaders: Set<String> = [
        "authorization", "user-agent", "expect", "transfer-encoding", "x-amzn-trace-id",
    ]

    /// Signs `request` in place: sets `Host`, `x-amz-date`, the session token, optionally
    /// `x-amz-content-sha256` (S3 requires it; the generic test suite omits it), and `Authorization`.
    @discardableResult
    public func sign(
        _ request: inout HTTPRequest, payload: Payload, date: Date,
        addContentSHA256Header: Bool = true
    ) -> Signature {
        let stamp = AmzDate(date)
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        if request.header("host") == nil {
            request.headers.append(("Host", request.hostHeader))
        }
        request.setHeader("X-Amz-Date", stamp.dateTime)
        if let token = credentials.sessionToken {
            request.setHeader("X-Amz-Security-Token", token)
        }
        if addContentSHA256Header {
            request.setHeader("x-amz-content-sha256", payload.value)
        }
        let signature = compute(request, payloadValue: payload.value, stamp: stamp)
        request.headers.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp)), "
                    + "SignedHeaders=\(signature.signedHeaders), Signature=\(signature.signature)"
            ))
        return signature
    }

    /// A URL that grants `request`'s method on its path to whoever holds it, for `expires` from
    /// `date` (at most 7 days). The request's headers (at least `Host`) are signed; the payload is
    /// `UNSIGNED-PAYLOAD` by default, since whoever uses the URL chooses the body.
    public func presignedURL(
        _ request: HTTPRequest, expires: Duration, date: Date,
        payload: Payload = .unsigned
    ) throws -> String {
        try presign(request, expires: expires, date: date, payload: payload).url
    }

    /// The presigned URL with the texts that went into its signature.
    public func presign(
        _ request: HTTPRequest, expires: Duration, date: Date,
        payload: Payload = .unsigned
    ) throws -> (url: String, signature: Signature) {
        let seconds = expires.components.seconds
        guard seconds >= 1 && seconds <= 604_800 else {
            throw ObjectStoreError(
                code: .invalidRequest,
                message: "a presigned URL expires in 1 second to 7 days, not \(seconds) s")
        }
        let stamp = AmzDate(date)
        var presigned = request
        presigned.headers.removeAll { Self.unsignedHeaders.contains($0.name.lowercased()) }
        if presigned.header("host") == nil {
            presigned.headers.append(("Host", request.hostHeader))
        }
        let signedHeaders = Set(presigned.headers.map { $0.name.lowercased() }).sorted().joined(separator: ";")
        presigned.query.append(contentsOf: [
            .init("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            .init("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"),
            .init("X-Amz-Date", stamp.dateTime),
            .init("X-Amz-Expires", String(seconds)),
            .init("X-Amz-SignedHeaders", signedHeaders),
        ])
        if let token = credentials.sessionToken {
            presigned.query.append(.init("X-Amz-Security-Token", token))
        }
        let signature = compute(presigned, payloadValue: payload.value, stamp: stamp)
        presigned.query.append(.init("X-Amz-Signature", signature.signature))
        return (presigned.url, signature)
    }

    /// The canonical request, string to sign and signature for a request already carrying its
    /// `x-amz-date` (and any other headers to sign).
    func compute(_ request: HTTPRequest, payloadValue: String, stamp: AmzDate) -> Signature {
        var grouped: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            guard !Self.unsignedHeaders.contains(lowered) else { continue }
            grouped[lowered, default: []].append(Self.normalizeHeaderValue(value))
        }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            request.method,
            SigV4Encoding.encodePath(request.path),
            SigV4Encoding.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            payloadValue,
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            stamp.dateTime,
            scope(stamp),
            SHA256.hash(canonicalRequest).hex,
        ].joined(separator: "\n")
        let signature = HMAC.sha256(key: signingKey(stamp).bytes, message: stringToSign).hex
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signedHeaders: signedHeaders, signature: signature)
    }

    private func scope(_ stamp: AmzDate) -> String {
        "\(stamp.date)/\(region)/\(service)/aws4_request"
    }

    private func signingKey(_ stamp: AmzDate) -> HashDigest {
        let date = HMAC.sha256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: stamp.date)
        let region = HMAC.sha256(key: date.bytes, message: self.region)
        let service = HMAC.sha256(key: region.bytes, message: self.service)
        return HMAC.sha256(key: service.bytes, message: "aws4_request")
    }

    /// Trims the value and folds every run of white space (line breaks included) into one space.
    static func normalizeHeaderValue(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for character in value {
            if character.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(character)
            }
        }
        return out
    }
}

/// A moment in SigV4's two UTC formats: `20130524T000000Z` and `20130524`.
struct AmzDate: Sendable, Hashable {
    let dateTime: String
    let date: String

    init(_ moment: Date) {
        var seconds = time_t(moment.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        date = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        dateTime = date + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }
}
