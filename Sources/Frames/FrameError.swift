/// Input that cannot become a frame, or a frame built inconsistently: what went wrong and where
/// (file, 1-based physical line, 1-based column and its name, the offending value).
public struct FrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// A quoted CSV field runs to the end of the input.
        case unterminatedQuote
        /// A closing quote is followed by something other than a delimiter or line end.
        case textAfterClosingQuote
        /// A row has more fields than the header.
        case tooManyFields
        /// A row has fewer fields than the header.
        case tooFewFields
        /// Bytes that are not UTF-8.
        case invalidUTF8
        /// Bytes that are not valid in the input's declared encoding (`CSVOptions.encoding`).
        case invalidEncoding
        /// Two columns share a name.
        case duplicateHeader
        /// A header name is empty.
        case emptyHeader
        /// The input holds nothing at all, not even a header row.
        case emptyInput
        /// A JSON Lines line is not valid JSON.
        case invalidJSON
        /// A JSON Lines line is valid JSON but not an object.
        case notAnObject
        /// A JSON object names the same key twice.
        case duplicateKey
        /// A value is not a valid, exact value of its column's (pinned or given) type.
        case valueDoesNotFit(ColumnType)
        /// A value holds a NUL byte, which no warehouse's text type stores.
        case nulCharacter
        /// Columns of a frame have different lengths, or a row has the wrong number of values.
        case shapeMismatch
        /// Reading the input failed.
        case io
        /// The reader's options cannot work (e.g. a quote as the delimiter).
        case invalidOptions
        /// An Arrow stream or file that breaks the format: truncated, or lengths and offsets that
        /// lie outside what was sent.
        case malformedArrow
        /// A well-formed Arrow input Stevedore does not read (a compressed body, a union).
        case unsupportedArrow
        /// PostgreSQL binary COPY data that breaks the format: a wrong signature, a tuple of the
        /// wrong width, a value of the wrong length, data after the trailer or none.
        case malformedCopy
    }

    public var kind: Kind
    /// The input's name (a path, `-` for stdin), when known.
    public var file: String?
    /// 1-based physical line (a newline inside a quoted field starts a new line).
    public var line: Int?
    /// 1-based field index in CSV, byte offset in the line for JSON Lines.
    public var column: Int?
    /// The column's name, when known.
    public var columnName: String?
    /// The offending value (cut to 100 characters), when there is one.
    public var value: String?
    /// The 1-based record batch of an Arrow input.
    public var batch: Int?
    /// The byte of the input where the fault lies (an Arrow message's start, or the byte itself).
    public var byteOffset: Int?
    /// What was expected or found, in words.
    public var message: String

    public init(
        kind: Kind, file: String? = nil, line: Int? = nil, column: Int? = nil,
        columnName: String? = nil, value: String? = nil, batch: Int? = nil, byteOffset: Int? = nil,
        message: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.value = value.map { $0.count > 100 ? String($0.prefix(100)) + "…" : $0 }
        self.batch = batch
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String {
        var text = file ?? "input"
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        if let batch { text += ": record batch \(batch)" }
        if let byteOffset { text += (batch == nil ? ": byte " : ", byte ") + "\(byteOffset)" }
        text += ": " + message
        if let columnName { text += " (column \"\(columnName)\")" }
        if let value { text += ": \"\(value)\"" }
        return text
    }
}
