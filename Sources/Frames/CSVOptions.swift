/// How to read a CSV input: its dialect (delimiter, quote, escape, NULL, encoding), where column
/// names come from and how they are spelled, and how big a batch may get.
public struct CSVOptions: Sendable, Hashable {
    /// Where the column names come from.
    public enum Header: Sendable, Hashable {
        /// The first row holds the names.
        case firstRow
        /// The input has no header row; these are the names.
        case names([String])
    }

    /// The field delimiter (one ASCII byte; not the quote, CR or LF).
    public var delimiter: UInt8
    public var header: Header
    /// What an unquoted field reads as NULL: empty (PostgreSQL's COPY), or `\N` (Redshift's
    /// `NULL AS '\N'`, where an unquoted empty field is then the empty string).
    public var nullMarker: NullMarker
    /// A batch ends after this many rows … (small batches keep a load's memory small; see
    /// docs/performance.md)
    public var batchRows: Int
    /// … or once its field bytes reach this size, whichever comes first.
    public var batchBytes: Int
    /// The byte that opens and closes a quoted field (one ASCII byte; default `"`).
    public var quote: UInt8
    /// The byte that makes the next byte literal (`\` for backslash-escaped exports); equal to
    /// `quote`, the default, it means RFC 4180's doubled quotes only.
    public var escape: UInt8
    /// When set, an unquoted field spelled exactly so (as written, before escapes) reads as NULL,
    /// and an unquoted empty field is the empty string, as psql's `COPY … NULL 'text'`; it takes
    /// the place of `nullMarker`.
    public var nullText: String?
    /// The input's character encoding; other than UTF-8 it is converted to UTF-8 as it is read.
    public var encoding: TextEncoding
    /// How header names become column names.
    public var naming: ColumnNaming

    public init(
        delimiter: UInt8 = UInt8(ascii: ","), header: Header = .firstRow,
        nullMarker: NullMarker = .emptyField, batchRows: Int = 4_096, batchBytes: Int = 256 << 10,
        quote: UInt8 = UInt8(ascii: "\""), escape: UInt8? = nil, nullText: String? = nil,
        encoding: TextEncoding = .utf8, naming: ColumnNaming = .keep
    ) {
        self.delimiter = delimiter
        self.header = header
        self.nullMarker = nullMarker
        self.batchRows = max(1, batchRows)
        self.batchBytes = max(1, batchBytes)
        self.quote = quote
        self.escape = escape ?? quote
        self.nullText = nullText
        self.encoding = encoding
        self.naming = naming
    }

    /// The bytes an unquoted field must be to read as NULL (empty: an empty field).
    var nullBytes: [UInt8] {
        nullText.map { Array($0.utf8) } ?? nullMarker.bytes
    }

    /// One of the dialect's settings, for naming it in a complaint.
    public enum Setting: String, Sendable, Hashable {
        case delimiter, quote, escape, null
    }

    /// The first setting that cannot work and why (the complaint reads after the setting's name:
    /// "--delimiter must not be the quote"), or nil when the dialect is usable. `CSVReader` refuses
    /// such options; the CLI and `stevedore.yml` name the flag or key.
    public var invalidSetting: (setting: Setting, problem: String)? {
        let lineEnds: Set<UInt8> = [0x0A, 0x0D]
        if delimiter >= 0x80 || lineEnds.contains(delimiter) {
            return (.delimiter, "must be one ASCII character other than CR and LF")
        }
        if quote >= 0x80 || lineEnds.contains(quote) {
            return (.quote, "must be one ASCII character other than CR and LF")
        }
        if escape >= 0x80 || lineEnds.contains(escape) {
            return (.escape, "must be one ASCII character other than CR and LF")
        }
        if delimiter == quote { return (.delimiter, "must not be the quote character") }
        if delimiter == escape { return (.delimiter, "must not be the escape character") }
        if let nullText {
            let bytes = Array(nullText.utf8)
            if bytes.contains(where: { lineEnds.contains($0) || $0 == delimiter || $0 == quote }) {
                return (.null, "must not hold the delimiter, the quote, CR or LF")
            }
        }
        return nil
    }

    /// A delimiter is one ASCII byte other than the quote, CR and LF (`CSVReader` checks it).
    public var hasValidDelimiter: Bool {
        invalidSetting?.setting != .delimiter
    }
}
