/// How to read a CSV input: its delimiter, where column names come from, and how big a batch may get.
public struct CSVOptions: Sendable, Hashable {
    /// Where the column names come from.
    public enum Header: Sendable, Hashable {
        /// The first row holds the names.
        case firstRow
        /// The input has no header row; these are the names.
        case names([String])
    }

    /// The field delimiter (one ASCII byte; not `"`, CR or LF).
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

    public init(
        delimiter: UInt8 = UInt8(ascii: ","), header: Header = .firstRow,
        nullMarker: NullMarker = .emptyField, batchRows: Int = 4_096, batchBytes: Int = 256 << 10
    ) {
        self.delimiter = delimiter
        self.header = header
        self.nullMarker = nullMarker
        self.batchRows = max(1, batchRows)
        self.batchBytes = max(1, batchBytes)
    }

    /// A delimiter is one ASCII byte other than the quote, CR and LF (`CSVReader` checks it).
    public var hasValidDelimiter: Bool {
        delimiter < 0x80 && delimiter != UInt8(ascii: "\"") && delimiter != 0x0A && delimiter != 0x0D
    }
}
