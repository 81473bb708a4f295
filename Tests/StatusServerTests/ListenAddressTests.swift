import StatusServer
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", UInt16(8080)),
        (":8080", "127.0.0.1", 8080),
        ("[::1]:8080", "::1", 8080),
        ("0.0.0.0:9464", "0.0.0.0", 9464),
        ("[::]:1", "::", 1),
        ("localhost:65535", "127.0.0.1", 65535),
        ("127.0.0.1:0", "127.0.0.1", 0),
    ])
    func parsesAddress(text: String, host: String, port: UInt16) throws {
        let address = try StatusServer.parseAddress(text)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: [
        ("8080", "expected HOST:PORT"),
        ("", "expected HOST:PORT"),
        ("127.0.0.1:", "port must be a number"),
        ("127.0.0.1:65536", "port must be a number"),
        ("127.0.0.1:80a", "port must be a number"),
        ("127.0.0.1:+80", "port must be a number"),
        ("127.0.0.1:123456", "port must be a number"),
        ("::1:8080", "put an IPv6 address in brackets"),
        ("[::1]8080", "expected HOST:PORT"),
        ("[::1:8080", "closing bracket"),
        ("[127.0.0.1]:80", "is not an IPv6 address"),
        ("example.com:80", "is not an IPv4 address"),
        ("256.1.1.1:80", "is not an IPv4 address"),
    ])
    func rejectsBadAddress(text: String, reason: String) {
        let error = #expect(throws: StatusServerError.self) { try StatusServer.parseAddress(text) }
        #expect(error?.code == .invalidAddress)
        #expect(error?.description.contains("\"\(text)\"") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.description.contains(reason) == true, "\(error.map(String.init(describing:)) ?? "")")
    }
}
