/// Writes one field of the staged CSV: quoted only where needed, quotes doubled inside.
enum StagedCSVField {
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let backslash = UInt8(ascii: "\\")

    /// How a non-NULL value must be written.
    enum Spelling {
        /// As it is.
        case plain
        /// In quotes.
        case quoted
        /// In quotes, with its quotes doubled.
        case quotedWithQuotes
    }

    /// A value is quoted when it is empty (the empty string, `""`), holds a comma, quote, CR or LF,
    /// starts or ends with a space or tab (kept exactly on any reader), or is exactly `\N`
    /// (Redshift's NULL) or `\.` (PostgreSQL's end-of-data line). Nil when it holds a NUL byte,
    /// which no warehouse's text type stores.
    @inline(__always)
    static func spelling<Bytes: Collection<UInt8>>(of field: Bytes) -> Spelling? {
        guard let first = field.first else { return .quoted }
        var needsQuotes = isEdgeSpace(first)
        var hasQuotes = false
        var count = 0
        var last = first
        for byte in field {
            count += 1
            last = byte
            guard byte <= quote || byte == comma else { continue }
            if byte == 0 { return nil }
            if byte == quote {
                needsQuotes = true
                hasQuotes = true
            }
            if byte == comma || byte == newline || byte == carriageReturn { needsQuotes = true }
        }
        if hasQuotes { return .quotedWithQuotes }
        if needsQuotes || isEdgeSpace(last) { return .quoted }
        if count == 2 && first == backslash && (last == UInt8(ascii: "N") || last == UInt8(ascii: ".")) {
            return .quoted
        }
        return .plain
    }

    /// `spelling(of:)` for a field in a batch's buffer: eight bytes at a time while none of them
    /// is a quote, comma, CR, LF or NUL (most fields), then byte by byte.
    @inline(__always)
    static func spelling(of field: UnsafeBufferPointer<UInt8>) -> Spelling? {
        let count = field.count
        guard count > 0 else { return .quoted }
        let raw = UnsafeRawBufferPointer(field)
        var index = 0
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if hasByte(word, quotes) || hasByte(word, commas) || hasByte(word, newlines) || hasByte(word, returns)
                || hasByte(word, 0)
            {
                return spelling(of: field[...])
            }
            index += 8
        }
        while index < count {
            let byte = field[index]
            if byte == quote || byte == comma || byte == newline || byte == carriageReturn || byte == 0 {
                return spelling(of: field[...])
            }
            index += 1
        }
        let first = field[0]
        let last = field[count - 1]
        if isEdgeSpace(first) || isEdgeSpace(last) { return .quoted }
        if count == 2 && first == backslash && (last == UInt8(ascii: "N") || last == UInt8(ascii: ".")) {
            return .quoted
        }
        return .plain
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let quotes = UInt64(quote) &* ones
    private static let commas = UInt64(comma) &* ones
    private static let newlines = UInt64(newline) &* ones
    private static let returns = UInt64(carriageReturn) &* ones

    /// True when a byte of `word` equals the byte repeated in `pattern` (exact for the whole word).
    @inline(__always)
    private static func hasByte(_ word: UInt64, _ pattern: UInt64) -> Bool {
        let x = word ^ pattern
        return (x &- ones) & ~x & 0x8080_8080_8080_8080 != 0
    }

    /// The line feeds in a value (only a quoted one can hold any).
    static func lineFeeds<Bytes: Collection<UInt8>>(in field: Bytes) -> Int {
        field.reduce(0) { $0 + ($1 == newline ? 1 : 0) }
    }

    /// Appends a non-NULL value spelled as given.
    @inline(__always)
    static func append<Bytes: Collection<UInt8>>(_ field: Bytes, spelled spelling: Spelling, to output: inout [UInt8]) {
        switch spelling {
        case .plain:
            output.append(contentsOf: field)
        case .quoted:
            output.append(quote)
            output.append(contentsOf: field)
            output.append(quote)
        case .quotedWithQuotes:
            output.append(quote)
            for byte in field {
                if byte == quote { output.append(quote) }
                output.append(byte)
            }
            output.append(quote)
        }
    }

    private static func isEdgeSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
