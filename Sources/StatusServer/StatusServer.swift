import FlyingFox
import FlyingSocks
import Foundation
import Logging

/// The scheduler service's HTTP endpoint: `/healthz`, `/metrics` and the HTML status page on `/`,
/// answered from a `StatusProvider`. Read-only; serves GET only.
public struct StatusServer: Sendable {
    /// The host and port as given to `init` (port 0: any free port; `waitUntilListening` tells which).
    public let host: String
    public let port: UInt16
    private let server: Result<HTTPServer, StatusServerError>
    private let logger: Logger
    private let lifecycle = Lifecycle()

    /// A server for `host` (an IPv4 or IPv6 address, or `localhost`) and `port`; nothing listens
    /// until `run()`. An unusable host is reported by `run()`.
    public init(host: String, port: UInt16, provider: any StatusProvider, logger: Logger) {
        self.host = host
        self.port = port
        self.logger = logger
        let handler = RequestHandler(provider: provider)
        let log = FlyingFoxLogger(logger: logger)
        let display = Self.display(host: host, port: port)
        guard let literal = ListenHost.normalized(host) else {
            server = .failure(
                StatusServerError(
                    code: .invalidAddress,
                    message:
                        "cannot listen on \(display): the host must be an IPv4 or IPv6 address, or localhost"))
            return
        }
        do {
            if literal.contains(":") {
                server = .success(
                    HTTPServer(
                        address: try sockaddr_in6.inet6(ip6: literal, port: port),
                        logger: log, handler: handler))
            } else {
                server = .success(
                    HTTPServer(
                        address: try sockaddr_in.inet(ip4: literal, port: port),
                        logger: log, handler: handler))
            }
        } catch {
            server = .failure(
                StatusServerError(
                    code: .invalidAddress,
                    message:
                        "cannot listen on \(display): \(StatusRoutes.describe(error))"))
        }
    }

    /// Serves until the task is cancelled, then returns. Throws a `StatusServerError` naming
    /// host:port when the port cannot be bound. Call it once per server.
    public func run() async throws {
        let display = Self.display(host: host, port: port)
        let server: HTTPServer
        switch self.server {
        case .success(let value): server = value
        case .failure(let error):
            await lifecycle.fail(error)
            throw error
        }
        logger.info("status server starting", metadata: ["address": "\(display)"])
        do {
            try await server.run()
        } catch {
            if Task.isCancelled {
                logger.info("status server stopped", metadata: ["address": "\(display)"])
                return
            }
            let failure = Self.listenFailure(error, display: display) ?? error
            await lifecycle.fail(failure)
            throw failure
        }
    }

    /// Waits until `run()` listens and returns the bound port (the real one when port 0 was given).
    /// Throws what `run()` threw if it failed first, or `.notListening` after `timeout`.
    public func waitUntilListening(timeout: Duration = .seconds(5)) async throws -> UInt16 {
        let server: HTTPServer
        switch self.server {
        case .success(let value): server = value
        case .failure(let error): throw error
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            switch await server.listeningAddress {
            case .ip4(_, let port)?, .ip6(_, let port)?: return port
            default: break
            }
            if let failure = await lifecycle.failure { throw failure }
            guard clock.now < deadline else {
                throw StatusServerError(
                    code: .notListening,
                    message:
                        "the status server did not listen on \(Self.display(host: host, port: port)) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// `127.0.0.1:9464`, `[::1]:9464`: how errors and logs name the address.
    static func display(host: String, port: UInt16) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The error for a socket that could not be set up, bound or put to listen; nil for other errors.
    static func listenFailure(_ error: any Error, display: String) -> StatusServerError? {
        guard case SocketError.failed(let step, _, let message) = error,
            ["CreateSocket", "GetFlags", "SetFlags", "SetOption", "Bind", "Listen"].contains(step)
        else {
            return nil
        }
        let what = step == "Bind" ? "cannot bind" : "cannot listen on"
        return StatusServerError(code: .cannotListen, message: "\(what) \(display): \(message)")
    }
}

/// What `waitUntilListening` needs to know of `run()`: whether it failed, and how.
private actor Lifecycle {
    private(set) var failure: (any Error)?

    func fail(_ error: any Error) {
        failure = error
    }
}

/// FlyingFox's handler: every request goes through `StatusRoutes`.
private struct RequestHandler: HTTPHandler {
    let provider: any StatusProvider

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let answer = await StatusRoutes.respond(
            method: request.method.rawValue, path: request.path,
            provider: provider)
        var headers: HTTPHeaders = [.contentType: answer.contentType, .cacheControl: "no-store"]
        for (name, value) in answer.headers {
            headers[HTTPHeader(name)] = value
        }
        return HTTPResponse(
            statusCode: Self.statusCode(answer.status), headers: headers,
            body: Data(answer.body.utf8))
    }

    static func statusCode(_ code: Int) -> HTTPStatusCode {
        switch code {
        case 200: .ok
        case 404: .notFound
        case 405: .methodNotAllowed
        case 503: HTTPStatusCode(503, phrase: "Service Unavailable")
        default: HTTPStatusCode(code, phrase: "Status \(code)")
        }
    }
}

/// FlyingFox's log lines into swift-log, quieter: its per-connection lines are debug, a bad request
/// a notice, and its server errors debug, since `run()` throws them (or returns, when cancelled).
private struct FlyingFoxLogger: FlyingSocks.Logging {
    let logger: Logger

    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.notice("\(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.notice("\(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { logger.debug("\(critical())") }
}
