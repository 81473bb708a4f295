/// How a warehouse spells the columns and clocks of Stevedore's own tables (the load ledger and
/// the scheduler's attempts), which it creates with fixed DDL rather than from data.
public struct BookkeepingTypes: Sendable, Hashable {
    /// Text of any length.
    public var text: String
    /// Whether text columns carry their length bound (Redshift's `VARCHAR(n)`; PostgreSQL's
    /// `text` has none).
    public var boundsText: Bool
    /// A JSON document.
    public var json: String
    /// The cast a JSON bind parameter needs to fill a `json` column, if any.
    public var jsonParameterCast: String?
    /// A SHA-256 in hex: 64 characters.
    public var checksum: String
    /// An instant.
    public var timestamp: String
    /// The time the transaction started, as a column default.
    public var transactionStart: String
    /// The time the statement runs, late in the transaction.
    public var statementTime: String
    /// Whether the warehouse has indexes to create.
    public var hasIndexes: Bool

    public init(
        text: String, boundsText: Bool, json: String, jsonParameterCast: String?, checksum: String,
        timestamp: String, transactionStart: String, statementTime: String, hasIndexes: Bool
    ) {
        self.text = text
        self.boundsText = boundsText
        self.json = json
        self.jsonParameterCast = jsonParameterCast
        self.checksum = checksum
        self.timestamp = timestamp
        self.transactionStart = transactionStart
        self.statementTime = statementTime
        self.hasIndexes = hasIndexes
    }

    /// Text of at most `maxBytes` bytes.
    public func text(maxBytes: Int) -> String {
        boundsText ? "VARCHAR(\(maxBytes))" : text
    }

    /// The bind parameter `placeholder` (`$5`) as a JSON value.
    func jsonParameter(_ placeholder: String) -> String {
        jsonParameterCast.map { "CAST(\(placeholder) AS \($0))" } ?? placeholder
    }

    /// The bind parameter `placeholder` as an instant.
    func timestampParameter(_ placeholder: String) -> String {
        "CAST(\(placeholder) AS \(timestamp))"
    }

    /// `column` in UTC as ISO 8601 text, with microseconds when `fraction`.
    static func utcText(_ column: String, fraction: Bool = false) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\(fraction ? ".US" : "")\"Z\"')"
    }
}
