internal import CLibPQ
import Logging

/// Receives the server's notices (NOTICE, WARNING, INFO, …) for one connection and logs them;
/// libpq calls it through a C function pointer with this object as its context.
final class NoticeRouter: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Installs this router on `connection`; the router must outlive it.
    func install(on connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        PQsetNoticeReceiver(
            connection,
            { context, result in
                guard let context, let result else { return }
                let router = Unmanaged<NoticeRouter>.fromOpaque(context).takeUnretainedValue()
                router.receive(result)
            }, context)
    }

    private func receive(_ result: OpaquePointer) {
        func field(_ letter: UInt8) -> String? {
            PQresultErrorField(result, Int32(letter)).map { String(cString: $0) }
        }
        let severity = field(UInt8(ascii: "V")) ?? field(UInt8(ascii: "S")) ?? "NOTICE"
        let message = field(UInt8(ascii: "M")) ?? ""
        var metadata: Logger.Metadata = ["severity": "\(severity)"]
        if let code = field(UInt8(ascii: "C")) { metadata["sqlstate"] = "\(code)" }
        if let detail = field(UInt8(ascii: "D")) { metadata["detail"] = "\(detail)" }
        // A library logs at info or below; the application decides what users see.
        let level: Logger.Level = (severity == "DEBUG" || severity == "LOG") ? .debug : .info
        logger.log(level: level, "server \(severity.lowercased()): \(message)", metadata: metadata)
    }
}
