/// Why the status server could not start: a `--listen` address it cannot use, a port it cannot bind,
/// or a server that did not start listening in time.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The address text or host is not one the server can listen on.
        public static let invalidAddress = Code("invalidAddress")
        /// Creating, binding or listening on the socket failed (e.g. the port is in use).
        public static let cannotListen = Code("cannotListen")
        /// `waitUntilListening` ran out of time before the server listened.
        public static let notListening = Code("notListening")

        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
