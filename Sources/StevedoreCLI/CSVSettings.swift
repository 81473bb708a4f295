import Frames
import Stevedore

/// The CSV dialect as typed, on the command line (`load`, `plan`) or in a job's `source`: texts
/// made into a `SourceFormat`, every complaint worded the same for both and naming the flag or key.
struct CSVSettings: Sendable {
    var format: String?
    var delimiter: String?
    var quote: String?
    var escape: String?
    var null: String?
    /// False: the input has no header row, and `columns` names the columns.
    var header = true
    var columns: [String]?
    var encoding: String?
    var names: String?

    /// How a setting is called where it was written: `--delimiter` or `source.delimiter`.
    struct Labels: Sendable {
        let name: @Sendable (String) -> String
        /// The words for "there is no header": `--no-header` or `source.header: false`.
        let noHeader: String
    }

    static let flags = Labels(name: { "--\($0)" }, noHeader: "--no-header")
    static let keys = Labels(name: { "source.\($0)" }, noHeader: "source.header: false")

    /// The format these settings describe; a usage problem names the setting with `labels`.
    func sourceFormat(_ labels: Labels) throws(Problem) -> SourceFormat {
        var result = SourceFormat()
        switch format?.lowercased() {
        case nil: break
        case "csv": result.kind = .csv
        case "jsonl", "jsonlines", "ndjson": result.kind = .jsonLines
        case "arrow", "arrows", "feather": result.kind = .arrow
        case let other?: throw Problem("\(labels.name("format")) '\(other)' is not csv, jsonl or arrow")
        }
        var options = CSVOptions()
        if let delimiter {
            options.delimiter = try Self.character(delimiter, labels.name("delimiter"), tabNames: true)
            result.delimiterChosen = true
        }
        if let quote { options.quote = try Self.character(quote, labels.name("quote"), tabNames: false) }
        options.escape =
            try escape.map { text throws(Problem) in
                try Self.character(text, labels.name("escape"), tabNames: false)
            } ?? options.quote
        options.nullText = null
        if let encoding {
            guard let known = TextEncoding(name: encoding) else {
                throw Problem("\(labels.name("encoding")) '\(encoding)' is not one of \(TextEncoding.spellings)")
            }
            options.encoding = known
        }
        if let names {
            guard let naming = ColumnNaming(rawValue: names.lowercased()) else {
                throw Problem("\(labels.name("names")) '\(names)' is not keep or snake_case")
            }
            options.naming = naming
        }
        switch (header, columns) {
        case (true, nil): break
        case (false, let columns?) where !columns.isEmpty: options.header = .names(columns)
        case (false, _):
            throw Problem(
                "\(labels.noHeader) needs \(labels.name("columns")) with the column names, in order (a,b,c)")
        case (true, _?):
            throw Problem(
                "\(labels.name("columns")) names the columns of input without a header: add \(labels.noHeader)")
        }
        if let (setting, problem) = options.invalidSetting {
            throw Problem("\(labels.name(setting.rawValue)) \(problem)")
        }
        if result.kind == .jsonLines, let set = csvOnlySettings(labels).first {
            throw Problem("\(set) applies to CSV only, not JSON Lines")
        }
        result.csv = options
        return result
    }

    /// The CSV-only settings given, by their labels.
    private func csvOnlySettings(_ labels: Labels) -> [String] {
        let given: [(String, Bool)] = [
            ("delimiter", delimiter != nil), ("quote", quote != nil), ("escape", escape != nil),
            ("null", null != nil), ("columns", columns != nil), ("encoding", encoding != nil),
            ("names", names != nil),
        ]
        return (header ? [] : [labels.noHeader]) + given.filter(\.1).map { labels.name($0.0) }
    }

    /// One ASCII character other than CR and LF; `\t` (and with `tabNames`, `tab`) is a tab.
    private static func character(_ text: String, _ label: String, tabNames: Bool) throws(Problem) -> UInt8 {
        if text == "\\t" || (tabNames && text.lowercased() == "tab") { return UInt8(ascii: "\t") }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x0A, byte != 0x0D else {
            throw Problem(
                "\(label) must be one ASCII character other than CR and LF\(tabNames ? " (or \\t, tab)" : ""), "
                    + "not '\(text)'")
        }
        return byte
    }

    /// A setting that cannot be used, in words that name it.
    struct Problem: Error, Sendable {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
