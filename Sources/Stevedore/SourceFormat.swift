import Frames

/// How an input's bytes are read: CSV, JSON Lines or Arrow IPC, and CSV's dialect. What the user
/// left open (the format, the delimiter) is decided for each file or object by its name.
public struct SourceFormat: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case csv, jsonLines, arrow }

    /// The format; nil: by the name (before any `.gz`: `.jsonl` or `.ndjson` is JSON Lines,
    /// `.arrow`, `.arrows` or `.feather` Arrow, anything else CSV).
    public var kind: Kind?
    /// How CSV is read.
    public var csv: CSVOptions
    /// How Arrow is read.
    public var arrow = ArrowReader.Options()
    /// False when `csv.delimiter` is only the default: a `.tsv` or `.tab` name then means tab.
    public var delimiterChosen: Bool

    public init(kind: Kind? = nil, csv: CSVOptions = CSVOptions(), delimiterChosen: Bool = false) {
        self.kind = kind
        self.csv = csv
        self.delimiterChosen = delimiterChosen
    }

    /// CSV or JSON Lines by each name, CSV as RFC 4180 and the name say.
    public static let bySuffix = SourceFormat()
    public static let jsonLines = SourceFormat(kind: .jsonLines)

    /// CSV read with `options` exactly, whatever the name.
    public static func csv(_ options: CSVOptions) -> SourceFormat {
        SourceFormat(kind: .csv, csv: options, delimiterChosen: true)
    }

    /// True when the CSV dialect differs from RFC 4180 in UTF-8 with a header in any way but the
    /// delimiter a name chooses (such options are refused for JSON Lines input).
    public var setsCSVDialect: Bool {
        let plain = CSVOptions()
        return delimiterChosen || csv.quote != plain.quote || csv.escape != csv.quote || csv.nullText != nil
            || csv.encoding != plain.encoding || csv.naming != plain.naming || csv.header != plain.header
    }

    /// What an input named `name` is.
    public enum Resolved: Sendable, Hashable {
        case csv(CSVOptions)
        case jsonLines
        case arrow(ArrowReader.Options)
    }

    /// How the input named `name` (a path, key or command) is read.
    public func resolved(for name: String) -> Resolved {
        var base = name.lowercased()
        if base.hasSuffix(".gz") { base.removeLast(3) }
        switch kind ?? Self.kind(ofName: base) {
        case .jsonLines:
            return .jsonLines
        case .arrow:
            return .arrow(arrow)
        case .csv:
            var options = csv
            if !delimiterChosen && (base.hasSuffix(".tsv") || base.hasSuffix(".tab")) {
                options.delimiter = UInt8(ascii: "\t")
            }
            return .csv(options)
        }
    }

    /// The format a name (without `.gz`, lowercased) says.
    private static func kind(ofName base: String) -> Kind {
        if base.hasSuffix(".jsonl") || base.hasSuffix(".ndjson") { return .jsonLines }
        if base.hasSuffix(".arrow") || base.hasSuffix(".arrows") || base.hasSuffix(".feather") { return .arrow }
        return .csv
    }

    /// The reader of `bytes`, an input named `name` in its errors and read as `resolved(for:)`
    /// says; a CSV header or an Arrow schema is read (and checked) here. An Arrow file at a local
    /// `path` is read through its footer (see `ArrowReader.init(path:options:)`).
    public func reader(for name: String, bytes: any ByteSource, path: String? = nil) throws -> InputReader {
        switch resolved(for: name) {
        case .arrow(let options):
            let reader =
                if let path, !path.hasSuffix(".gz") {
                    try ArrowReader(path: path, options: options)
                } else {
                    try ArrowReader(source: bytes, name: name, options: options)
                }
            return InputReader(header: reader.columnNames) { try reader.next() }
        case .jsonLines:
            let reader = JSONLinesReader(source: bytes, file: name)
            return InputReader(header: nil) { try reader.next() }
        case .csv(let options):
            let reader = try CSVReader(source: bytes, file: name, options: options)
            return InputReader(header: reader.columnNames) { try reader.next() }
        }
    }
}

/// One opened input: its CSV header (nil for JSON Lines, whose keys may change from row to row)
/// and the function that reads its next batch.
public struct InputReader {
    public var header: [String]?
    public var next: () throws -> TextBatch?

    public init(header: [String]?, next: @escaping () throws -> TextBatch?) {
        self.header = header
        self.next = next
    }
}
