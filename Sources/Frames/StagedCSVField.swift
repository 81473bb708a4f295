/// Writes one field of the staged CSV: quoted only where needed, quotes doubled inside.
enum StagedCSVField {
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let backslash = UInt8(ascii: "\\")

    /// Appends a non-NULL value. It is quoted when it is empty (the empty string, `""`), holds a
    /// comma, quote, CR or LF, starts or ends with a space or tab (kept exactly on any reader), or is
    /// exactly `\N` (Redshift's NULL) or `\.` (PostgreSQL's end-of-data line).
    static func append(_ field: ArraySlice<UInt8>, to output: inout [UInt8]) {
        guard let first = field.first, let last = field.last else {
            output.append(quote)
            output.append(quote)
            return
        }
        var needsQuotes = isEdgeSpace(first) || isEdgeSpace(last)
        var hasQuote = false
        for byte in field where byte <= quote || byte == comma {
            if byte == quote {
                hasQuote = true
                needsQuotes = true
                break
            }
            if byte == comma || byte == newline || byte == carriageReturn { needsQuotes = true }
        }
        if !needsQuotes && field.count == 2 && first == backslash
            && (last == UInt8(ascii: "N") || last == UInt8(ascii: ".")) {
            needsQuotes = true
        }
        guard needsQuotes else {
            output.append(contentsOf: field)
            return
        }
        output.append(quote)
        if hasQuote {
            for byte in field {
                if byte == quote { output.append(quote) }
                output.append(byte)
            }
        } else {
            output.append(contentsOf: field)
        }
        output.append(quote)
    }

    private static func isEdgeSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
