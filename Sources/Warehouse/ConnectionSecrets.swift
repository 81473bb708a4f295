internal import CLibPQ
import Foundation

/// The passwords a connection uses (the connection string's, a fetched login's), kept only to
/// scrub them from any text the connection reports (libpq's messages, server errors), so they
/// never reach an error or a log line.
struct ConnectionSecrets: Sendable {
    private var passwords: [String]

    /// Parses `connectionString` with libpq's own parser (key=value or a postgres:// URI).
    init(connectionString: String) throws {
        guard !connectionString.isEmpty else {
            passwords = []
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
        passwords = found.map { [$0] } ?? []
    }

    /// Scrubs `password` too.
    mutating func add(_ password: String) {
        passwords.append(password)
    }

    /// `text` with every occurrence of a password replaced by `***`.
    func scrub(_ text: String) -> String {
        passwords.filter { $0.count >= 3 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
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
