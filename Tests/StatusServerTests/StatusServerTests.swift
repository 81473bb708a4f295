import Foundation
import Logging
import Scheduler
import StatusServer
import Testing

struct FakeProvider: StatusProvider {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var healthy = true
    var metrics = "# TYPE stevedore_loads_total counter\nstevedore_loads_total{job=\"orders\"} 3\n"
    var jobs: Result<[JobStatus], Failure> = .success([Sample.daily, Sample.byRegion])

    func isHealthy() async -> Bool { healthy }
    func metricsText() async -> String { metrics }
    func jobStatuses() async throws -> [JobStatus] { try jobs.get() }
}

/// What curl saw: status code, headers (names lowercased) and body.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: String
}

enum Curl {
    /// Runs /usr/bin/curl for one request; throws when curl itself fails (e.g. exit 7, no server).
    static func request(_ url: String, method: String = "GET") async throws -> HTTPAnswer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("status-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bodyFile = folder.appendingPathComponent("body").path
        let headerFile = folder.appendingPathComponent("headers").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        // A minute: the server answers on the cooperative pool, which the suite's CPU-bound debug
        // tests can hold for more than ten seconds on a two-core machine.
        process.arguments = [
            "--silent", "--show-error", "--noproxy", "*", "--max-time", "60",
            "--request", method, "--output", bodyFile, "--dump-header", headerFile,
            "--write-out", "%{http_code}", url,
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let written = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw CurlError(exitCode: status, message: message)
        }
        var headers: [String: String] = [:]
        for line in try String(contentsOfFile: headerFile, encoding: .utf8).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let body = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
        return HTTPAnswer(status: Int(written) ?? -1, headers: headers, body: body)
    }

    struct CurlError: Error {
        var exitCode: Int32
        var message: String
    }
}

/// Runs `body` against a server for `provider` on 127.0.0.1 and a free port, then cancels it
/// and checks that `run()` returned.
func withServer(
    _ provider: FakeProvider = FakeProvider(),
    _ body: (_ base: String) async throws -> Void
) async throws {
    let logger = Logger(label: "status-server-test") { _ in SwiftLogNoOpLogHandler() }
    let server = StatusServer(host: "127.0.0.1", port: 0, provider: provider, logger: logger)
    let task = Task { try await server.run() }
    do {
        let port = try await server.waitUntilListening()
        #expect(port != 0)
        try await body("http://127.0.0.1:\(port)")
    } catch {
        task.cancel()
        throw error
    }
    task.cancel()
    try await task.value
}

@Suite(.timeLimit(.minutes(5))) struct StatusServerTests {
    @Test func healthz() async throws {
        try await withServer { base in
            let answer = try await Curl.request("\(base)/healthz")
            #expect(answer.status == 200)
            #expect(answer.body == "ok\n")
            #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
        }
    }

    @Test func unhealthyIs503() async throws {
        try await withServer(FakeProvider(healthy: false)) { base in
            let answer = try await Curl.request("\(base)/healthz")
            #expect(answer.status == 503)
            #expect(answer.body == "unhealthy\n")
        }
    }

    @Test func metrics() async throws {
        let provider = FakeProvider()
        try await withServer(provider) { base in
            let answer = try await Curl.request("\(base)/metrics")
            #expect(answer.status == 200)
            #expect(answer.body == provider.metrics)
            #expect(
                answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true,
                "\(answer.headers)")
            // A query string does not change the route.
            #expect(try await Curl.request("\(base)/metrics?name=x").body == provider.metrics)
        }
    }

    @Test func metricsGetTheirLastLineFeed() async throws {
        try await withServer(FakeProvider(metrics: "up 1")) { base in
            let answer = try await Curl.request("\(base)/metrics")
            #expect(answer.body == "up 1\n")
        }
    }

    @Test func statusPage() async throws {
        try await withServer { base in
            let answer = try await Curl.request("\(base)/")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "text/html; charset=utf-8")
            #expect(answer.headers["cache-control"] == "no-store")
            #expect(answer.body.contains("class=\"grid\""))
            #expect(answer.body.contains("<td class=\"state-loaded\" data-key=\"2024-01-01|eu\""))
            #expect(answer.body.contains("<td class=\"state-running\" data-key=\"2024-01-04\""))
        }
    }

    @Test func statusPageShowsTheProvidersErrorWith503() async throws {
        let provider = FakeProvider(jobs: .failure(.init(description: "warehouse down: <b>timeout</b> & \"retry\"")))
        try await withServer(provider) { base in
            let answer = try await Curl.request("\(base)/")
            #expect(answer.status == 503)
            #expect(answer.headers["content-type"] == "text/html; charset=utf-8")
            #expect(answer.body.contains("warehouse down: &lt;b&gt;timeout&lt;/b&gt; &amp; &quot;retry&quot;"))
            #expect(!answer.body.contains("<b>timeout"))
        }
    }

    @Test func otherPathsAre404() async throws {
        try await withServer { base in
            for path in ["/nope", "/healthz/extra", "/index.html", "/metricsx"] {
                let answer = try await Curl.request(base + path)
                #expect(answer.status == 404, "\(path)")
                #expect(answer.body == "not found\n")
            }
        }
    }

    @Test func otherMethodsAre405() async throws {
        try await withServer { base in
            for (method, path) in [("POST", "/"), ("PUT", "/metrics"), ("DELETE", "/healthz")] {
                let answer = try await Curl.request(base + path, method: method)
                #expect(answer.status == 405, "\(method) \(path)")
                #expect(answer.headers["allow"] == "GET")
            }
        }
    }

    @Test func cancellingStopsServing() async throws {
        var url = ""
        try await withServer { base in
            url = base + "/healthz"
            let answer = try await Curl.request(url)
            #expect(answer.status == 200)
        }
        // withServer awaited run()'s return; the listening socket is closed now.
        let error = await #expect(throws: Curl.CurlError.self) { try await Curl.request(url) }
        #expect(error?.exitCode == 7)  // couldn't connect
    }

    @Test func portInUseIsAClearError() async throws {
        try await withServer { base in
            let port = try #require(UInt16(base.split(separator: ":").last ?? ""))
            let logger = Logger(label: "status-server-test") { _ in SwiftLogNoOpLogHandler() }
            let second = StatusServer(host: "127.0.0.1", port: port, provider: FakeProvider(), logger: logger)
            let error = await #expect(throws: StatusServerError.self) { try await second.run() }
            #expect(error?.code == .cannotListen)
            #expect(
                error?.description.contains("127.0.0.1:\(port)") == true, "\(error.map(String.init(describing:)) ?? "")"
            )
            // waitUntilListening reports the same failure instead of waiting.
            let waited = await #expect(throws: StatusServerError.self) { _ = try await second.waitUntilListening() }
            #expect(waited?.code == .cannotListen)
        }
    }

    @Test func unusableHostIsAClearError() async throws {
        let logger = Logger(label: "status-server-test") { _ in SwiftLogNoOpLogHandler() }
        let server = StatusServer(host: "status.example", port: 9464, provider: FakeProvider(), logger: logger)
        let error = await #expect(throws: StatusServerError.self) { try await server.run() }
        #expect(error?.code == .invalidAddress)
        #expect(error?.description.contains("status.example:9464") == true)
    }
}
