#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension StatusServer {
    /// Parses a `--listen` value: `127.0.0.1:8080`, `:8080` (127.0.0.1), `[::1]:8080` or
    /// `localhost:8080`; port 0 asks for any free port. Throws `StatusServerError.invalidAddress`.
    public static func parseAddress(_ text: String) throws -> (host: String, port: UInt16) {
        func invalid(_ reason: String) -> StatusServerError {
            StatusServerError(code: .invalidAddress, message: "invalid listen address \"\(text)\": \(reason)")
        }
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw invalid("an IPv6 address needs its closing bracket, e.g. [::1]:8080")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("expected HOST:PORT, e.g. [::1]:8080") }
            portText = rest.dropFirst()
            guard ListenHost.isIPv6(String(hostText)) else {
                throw invalid("\"\(hostText)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw invalid("expected HOST:PORT, e.g. 127.0.0.1:9464 or :9464")
            }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if hostText.contains(":") {
                throw invalid("put an IPv6 address in brackets, e.g. [::1]:9464")
            }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = UInt16(portText)
        else {
            throw invalid("the port must be a number from 0 to 65535")
        }
        if text.hasPrefix("[") { return (String(hostText), port) }
        if hostText.isEmpty { return ("127.0.0.1", port) }
        guard let host = ListenHost.normalized(String(hostText)), !host.contains(":") else {
            throw invalid("\"\(hostText)\" is not an IPv4 address (nor localhost); write IPv6 addresses in brackets")
        }
        return (host, port)
    }
}

/// The host forms the server binds: IP address literals, and `localhost` as 127.0.0.1.
enum ListenHost {
    /// The address literal to bind for `host`, or nil when it is none: `localhost` becomes 127.0.0.1,
    /// brackets around an IPv6 address are dropped.
    static func normalized(_ host: String) -> String? {
        var host = host
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2 {
            host = String(host.dropFirst().dropLast())
            return isIPv6(host) ? host : nil
        }
        if host.lowercased() == "localhost" { return "127.0.0.1" }
        if isIPv4(host) || isIPv6(host) { return host }
        return nil
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}
