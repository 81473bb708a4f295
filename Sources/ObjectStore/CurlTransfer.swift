import Blocking
internal import CCurl
import Foundation

/// The state of one transfer that curl's callbacks reach through their `userdata` pointer: the
/// body being sent, the headers and body being received.
final class CurlTransfer {
    private let body: RequestBody
    private var bodyOffset = 0
    private var file: FileHandle?
    private var fileRemaining: Int64 = 0
    let sink: ResponseSink
    let cancellation: CancellationFlag
    /// Whether the sink's header check ran for this response.
    private var headersChecked = false
    var responseHeaders: [HTTPHeaderField] = []
    var responseBody: [UInt8] = []
    /// The status of the response being received, from its status line.
    private var status = 0
    /// The first error raised inside a callback; curl only learns that the callback failed.
    var callbackError: (any Error)?

    init(body: RequestBody, sink: ResponseSink, cancellation: CancellationFlag) throws {
        self.body = body
        self.sink = sink
        self.cancellation = cancellation
        if case .file(let path, let offset, let length) = body {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ObjectStoreError(code: .invalidRequest, message: "cannot open \(path) for reading")
            }
            try handle.seek(toOffset: UInt64(offset))
            file = handle
            fileRemaining = length
        }
    }

    deinit {
        try? file?.close()
    }

    /// Runs `request` on `easy` and returns the response.
    static func perform(
        _ request: HTTPRequest, body: RequestBody, sink: ResponseSink, on easy: CurlEasy,
        options: TransferOptions, cancellation: CancellationFlag
    ) throws -> HTTPResponse {
        let transfer = try CurlTransfer(body: body, sink: sink, cancellation: cancellation)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        try easy.reset()
        try easy.setOption(CURLOPT_URL, request.url)
        try easy.setOption(CURLOPT_NOSIGNAL, 1)
        // Progress callbacks let a cancelled task stop its transfer.
        try easy.setOption(CURLOPT_NOPROGRESS, 0)
        try easy.setProgressCallback({ context, _, _, _, _ in
            guard let context else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().cancellation.isSet ? 1 : 0
        })
        try easy.setOption(CURLOPT_XFERINFODATA, pointer: context)
        // S3 keys may hold `.` and `..` segments: send the path exactly as signed.
        try easy.setOption(CURLOPT_PATH_AS_IS, 1)
        try easy.setOption(CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout.components.seconds * 1000))
        try easy.setOption(CURLOPT_LOW_SPEED_LIMIT, 1)
        try easy.setOption(CURLOPT_LOW_SPEED_TIME, Int(options.lowSpeedTimeout.components.seconds))
        try easy.setOption(CURLOPT_TCP_KEEPALIVE, 1)
        if let caBundle = options.caBundlePath {
            try easy.setOption(CURLOPT_CAINFO, caBundle)
        }
        if options.insecureSkipTLSVerification {
            try easy.setOption(CURLOPT_SSL_VERIFYPEER, 0)
            try easy.setOption(CURLOPT_SSL_VERIFYHOST, 0)
        }
        switch request.method {
        case "GET": try easy.setOption(CURLOPT_HTTPGET, 1)
        case "HEAD": try easy.setOption(CURLOPT_NOBODY, 1)
        default: break
        }
        if body != .none || request.method == "PUT" || request.method == "POST" {
            try easy.setOption(CURLOPT_UPLOAD, 1)
            try easy.setOption(CURLOPT_INFILESIZE_LARGE, offset: body.length)
            try easy.setCallback(
                CURLOPT_READFUNCTION,
                { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.fill(buffer, capacity: size * count)
                })
            try easy.setOption(CURLOPT_READDATA, pointer: context)
        }
        if request.method != "GET" && request.method != "HEAD" {
            try easy.setOption(CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method == "POST" {
            // When a kept-alive connection dies before any answer, curl sends the request again on
            // a new one, unseen by our retries. A POST (CreateMultipartUpload, Complete…) may have
            // taken effect on the dead connection: a second create leaves the first upload
            // orphaned. On a fresh connection curl never replays; the caller's retry, which knows
            // an answer was lost, decides.
            try easy.setOption(CURLOPT_FRESH_CONNECT, 1)
        }
        // "Expect:" stops curl from waiting for 100-continue before large bodies.
        try easy.setHeaders(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        try easy.setCallback(
            CURLOPT_HEADERFUNCTION,
            { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                transfer.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: size * count))
                return size * count
            })
        try easy.setOption(CURLOPT_HEADERDATA, pointer: context)
        try easy.setCallback(
            CURLOPT_WRITEFUNCTION,
            { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
                    ? size * count : 0
            })
        try easy.setOption(CURLOPT_WRITEDATA, pointer: context)

        do {
            try easy.perform()
        } catch let error as ObjectStoreError where error.curlCode == Int(CURLE_ABORTED_BY_CALLBACK.rawValue) {
            throw transfer.callbackError ?? (cancellation.isSet ? CancellationError() : error)
        } catch {
            throw transfer.callbackError ?? error
        }
        return HTTPResponse(status: easy.responseCode, headers: transfer.responseHeaders, body: transfer.responseBody)
    }

    /// Read callback: copies the next piece of the body into curl's buffer.
    private func fill(_ buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        switch body {
        case .none:
            return 0
        case .bytes(let bytes):
            let count = min(capacity, bytes.count - bodyOffset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + bodyOffset, byteCount: count)
            }
            bodyOffset += count
            return count
        case .file(let path, _, _):
            guard let file, fileRemaining > 0 else { return 0 }
            do {
                let data = try file.read(upToCount: min(capacity, Int(fileRemaining))) ?? Data()
                guard !data.isEmpty else {
                    callbackError = ObjectStoreError(code: .invalidRequest, message: "\(path) ended early")
                    return Int(CURL_READFUNC_ABORT)
                }
                data.copyBytes(to: UnsafeMutableRawBufferPointer(start: buffer, count: data.count))
                fileRemaining -= Int64(data.count)
                return data.count
            } catch {
                callbackError = error
                return Int(CURL_READFUNC_ABORT)
            }
        }
    }

    private func receiveHeader(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new response (after a redirect or 100 Continue): keep only the last one's headers.
            responseHeaders.removeAll()
            headersChecked = false
            let fields = text.split(separator: " ", maxSplits: 2)
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = String(text[..<colon])
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        responseHeaders.append(HTTPHeaderField(name: name, value: value))
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch sink {
        case .collect:
            responseBody.append(contentsOf: bytes)
            return true
        case .handler(let handler, let checkHeaders):
            // Only a successful response's body is the object; an error document is kept for the error.
            guard (200..<300).contains(status) else {
                responseBody.append(contentsOf: bytes)
                return true
            }
            do {
                if !headersChecked {
                    headersChecked = true
                    try checkHeaders?(status, responseHeaders)
                }
                try handler(Array(bytes))
                return true
            } catch {
                callbackError = error
                return false
            }
        }
    }
}

/// Set when the task that started a transfer is cancelled; curl's progress callback reads it.
final class CancellationFlag: Sendable {
    private let value = LockedBox(false)

    var isSet: Bool { value.withLock { $0 } }

    func set() {
        value.withLock { $0 = true }
    }
}
