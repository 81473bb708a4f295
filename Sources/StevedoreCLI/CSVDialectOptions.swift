import ArgumentParser

/// The CSV dialect flags of `load` and `plan` (docs/cli.md, "CSV dialects"); `CSVSettings` checks them.
struct CSVDialectOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The field delimiter: one character, or \\t or tab (default: tab for .tsv and .tab, else a comma).",
            valueName: "char"))
    var delimiter: String?

    @Option(help: ArgumentHelp("The quote character (default: \").", valueName: "char"))
    var quote: String?

    @Option(
        help: ArgumentHelp(
            "The character that makes the next one literal, e.g. \\ (default: the quote, doubled).",
            valueName: "char"))
    var escape: String?

    @Option(
        help: ArgumentHelp(
            "An unquoted field spelled so is NULL, e.g. \\N, NULL or NA (default: an empty field).", valueName: "text"))
    var null: String?

    @Flag(name: .customLong("no-header"), help: "The input has no header row; --columns names the columns.")
    var noHeader = false

    @Option(help: ArgumentHelp("The column names of input without a header, in order.", valueName: "a,b,c"))
    var columns: String?

    @Option(
        help: ArgumentHelp(
            "The input's encoding: utf-8 (default), latin-1, windows-1252 or utf-16 (with a byte order mark).",
            valueName: "name"))
    var encoding: String?

    @Option(
        help: ArgumentHelp(
            "Header names as written (keep, the default) or as snake_case (Order ID becomes order_id).",
            valueName: "keep|snake_case"))
    var names: String?

    /// The flags as `CSVSettings`, with `--format`'s value.
    func settings(format: String?) -> CSVSettings {
        CSVSettings(
            format: format, delimiter: delimiter, quote: quote, escape: escape, null: null, header: !noHeader,
            columns: columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(Self.trimmed) },
            encoding: encoding, names: names)
    }

    private static func trimmed(_ name: Substring) -> String {
        String(name.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
