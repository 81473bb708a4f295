/// A failure talking to PostgreSQL or Redshift: the server's own fields (SQLSTATE, message, detail,
/// hint, context) and the statement that failed, cut to 200 characters with credentials masked.
/// Bound parameter values and passwords never appear in it.
public struct WarehouseError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The server could not be reached or refused the session (not for bad credentials).
        public static let connectionFailed = Code("connectionFailed")
        /// The server rejected the user name or password.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The connection broke while in use.
        public static let connectionLost = Code("connectionLost")
        /// The server answered a statement with an error (see `sqlState`).
        public static let serverError = Code("serverError")
        /// The server rolled the transaction back at COMMIT (an earlier statement had failed).
        public static let transactionRolledBack = Code("transactionRolledBack")
        /// The call does not fit the connection's state (closed, busy with a COPY, transaction open).
        public static let invalidState = Code("invalidState")
        /// A statement or parameter that cannot be sent (a NUL byte, a COPY run through `execute`).
        public static let invalidRequest = Code("invalidRequest")
        /// The statement was cancelled because the calling task was.
        public static let cancelled = Code("cancelled")

        public var description: String { name }
    }

    public var code: Code
    /// The primary message, from the server or from libpq.
    public var message: String
    /// The five-character SQLSTATE, when the server sent one (e.g. `42601` for a syntax error).
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// The server's CONTEXT field: where in a function or COPY the error arose.
    public var context: String?
    /// 1-based character position of the error in the statement, when the server gave one.
    public var position: Int?
    /// The failing statement's first 200 characters, with credentials masked.
    public var statement: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, context: String? = nil, position: Int? = nil, statement: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
        self.position = position
        self.statement = statement.map(StatementExcerpt.make)
    }

    /// The input line of a failed `COPY … FROM` that the server named in its context
    /// (`COPY t, line 50000, column x: …`), counted from 1 in the data sent.
    public var copyLine: Int? {
        guard let context = copyContext, let range = context.range(of: ", line ") else { return nil }
        let digits = context[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// The column of a failed `COPY … FROM` that the server named in its context
    /// (`COPY t, line 2, column id: "x"`).
    public var copyColumn: String? {
        guard let context = copyContext, let range = context.range(of: ", column ") else { return nil }
        let rest = context[range.upperBound...]
        guard let colon = rest.range(of: ": ") ?? rest.range(of: ":") else { return String(rest) }
        return String(rest[..<colon.lowerBound])
    }

    /// The context's line that a COPY wrote; an input function may write its own before it
    /// (`JSON data, line 1: {oops`).
    private var copyContext: Substring? {
        context?.split(separator: "\n").first { $0.hasPrefix("COPY ") }
    }

    /// The value of a failed `COPY … FROM` that the server named in its context, as it printed
    /// it (`COPY t, line 2, column id: "x"` gives `"x"`, quotes included; long values cut short).
    public var copyValue: String? {
        guard let context = copyContext, let range = context.range(of: ", column ") else { return nil }
        let rest = context[range.upperBound...]
        guard let colon = rest.range(of: ": ") else { return nil }
        return String(rest[colon.upperBound...])
    }

    /// True when the same work may succeed if tried again: a lost connection, a serialization
    /// failure or deadlock, the server shutting down or out of resources.
    public var isTransient: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let sqlState else { return false }
        if sqlState.hasPrefix("08") || sqlState.hasPrefix("53") { return true }
        return ["40001", "40P01", "57P01", "57P02", "57P03"].contains(sqlState)
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        if let context { text += "\nCONTEXT: \(context)" }
        if let statement { text += "\nSTATEMENT: \(statement)" }
        return text
    }
}
