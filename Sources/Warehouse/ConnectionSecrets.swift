internal import CLibPQ
import Foundation

/// The password a connection string carries, kept only to scrub it from any text the connection
/// reports (libpq's messages, server errors), so it never reaches an error or a log line.
struct ConnectionSecrets: Sendable {
    private let password: String?

    /// Parses `connectionString` with libpq's own parser (key=value or a postgres:// URI).
    init(connectionString: String) throws {
        guard !connectionString.isEmpty else {
            password = nil
            return
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            // libpq quotes pieces of the string it could not parse; they may hold the password.
            throw WarehouseError(
                code: .invalidRequest,
                message: "invalid connection string: \(Self.maskQuoted(message.trimmingTrailingNewlines()))")
        }
        defer { PQconninfoFree(options) }
        var found: String?
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                found = String(cString: value)
            }
            option += 1
        }
        password = found
    }

    /// `text` with every occurrence of the password replaced by `***`.
    func scrub(_ text: String) -> String {
        guard let password, password.count >= 3 else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }

    private static func maskQuoted(_ message: String) -> String {
        var out = ""
        var inQuote = false
        for character in message {
            if character == "\"" {
                out.append(character)
                if inQuote {
                    inQuote = false
                } else {
                    inQuote = true
                    out += "…"
                }
            } else if !inQuote {
                out.append(character)
            }
        }
        return out
    }
}
