import Foundation

/// One answer of the status server, before it becomes HTTP: status code, content type and body.
struct StatusResponse: Sendable, Equatable {
    var status: Int
    var contentType: String
    var body: String
    /// Headers beyond Content-Type (e.g. `Allow` on a 405).
    var headers: [String: String] = [:]
}

/// The routes: `GET /healthz`, `GET /metrics` and `GET /` (the status page); any other path is a
/// 404, any other method on these paths a 405.
enum StatusRoutes {
    static let plainText = "text/plain; charset=utf-8"
    /// The Prometheus text exposition format, version 0.0.4.
    static let metricsType = "text/plain; version=0.0.4; charset=utf-8"
    static let htmlType = "text/html; charset=utf-8"

    static let paths: Set<String> = ["/", "/healthz", "/metrics"]

    /// The answer to `method` on `path` (the path without its query), asking `provider` as needed.
    static func respond(
        method: String, path: String, provider: any StatusProvider,
        now: @Sendable () -> Date = { Date() }
    ) async -> StatusResponse {
        guard paths.contains(path) else {
            return StatusResponse(status: 404, contentType: plainText, body: "not found\n")
        }
        guard method.uppercased() == "GET" else {
            return StatusResponse(
                status: 405, contentType: plainText, body: "method not allowed\n",
                headers: ["Allow": "GET"])
        }
        switch path {
        case "/healthz":
            return await provider.isHealthy()
                ? StatusResponse(status: 200, contentType: plainText, body: "ok\n")
                : StatusResponse(status: 503, contentType: plainText, body: "unhealthy\n")
        case "/metrics":
            var text = await provider.metricsText()
            // The format ends every line, the last one too, with a line feed.
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            return StatusResponse(status: 200, contentType: metricsType, body: text)
        default:
            do {
                let jobs = try await provider.jobStatuses()
                return StatusResponse(
                    status: 200, contentType: htmlType,
                    body: StatusPage.render(jobs, generatedAt: now()))
            } catch {
                return StatusResponse(
                    status: 503, contentType: htmlType,
                    body: StatusPage.renderError(describe(error), generatedAt: now()))
            }
        }
    }

    /// An error as a person reads it: its `LocalizedError` description, else its `description`.
    static func describe(_ error: any Error) -> String {
        if let localized = error as? any LocalizedError, let text = localized.errorDescription {
            return text
        }
        return String(describing: error)
    }
}
