/// The RFC 4180 state machine behind `CSVReader`: consumes chunks of any size (a field or row may
/// span chunks), appends fields to a `TextBatch`, counts physical lines, and checks field counts and
/// UTF-8 as it goes. Its hot loop reads each chunk through a buffer pointer, confined to this file.
struct CSVParser {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterCR, escapedUnquoted, escapedQuoted }

    let delimiter: UInt8
    let quote: UInt8
    /// The escape byte when it is not the quote (doubled quotes are always read).
    let escape: UInt8?
    /// What an unquoted field must be, as written, to read as NULL (empty: an empty field).
    let nullBytes: [UInt8]
    let file: String?
    /// Fields a row must have; nil until the first row (the header) has set it.
    var expectedColumns: Int?
    private var state = State.fieldStart
    private var line = 1
    private var rowStartLine = 1
    private var fieldStartLine = 1
    private var fieldStartOffset = 0
    private var fieldQuoted = false
    private var fieldHighBits: UInt8 = 0
    /// True when the field holds an escape byte, removed when the field ends.
    private var fieldEscaped = false
    private var fieldsInRow = 0
    /// True when the last `parse` stopped because a row filled the batch.
    private(set) var filledBatch = false

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    init(options: CSVOptions, file: String?, expectedColumns: Int?) {
        delimiter = options.delimiter
        quote = options.quote
        escape = options.escape == options.quote ? nil : options.escape
        nullBytes = options.nullBytes
        self.file = file
        self.expectedColumns = expectedColumns
    }

    /// Parses `chunk` from `start`, returning where it stopped: the chunk's end, or just after a
    /// row that made `batch` reach `rowLimit` rows or `byteLimit` bytes.
    ///
    /// Input bytes are copied into the batch in runs, not field by field: a run stops only at quotes
    /// (an opening or closing quote is left out, a doubled quote kept once), so delimiters and line
    /// ends between fields stay in the buffer, outside every field's range.
    mutating func parse(
        _ chunk: [UInt8], from start: Int, into batch: inout TextBatch,
        rowLimit: Int, byteLimit: Int
    ) throws(FrameError) -> Int {
        filledBatch = false
        return try chunk.withUnsafeBufferPointer { (bytes) throws(FrameError) -> Int in
            let count = bytes.count
            let delimiter = self.delimiter
            let quote = self.quote
            let delimiterPattern = UInt64(delimiter) &* Self.ones
            // Without an escape byte, the escape checks look for the delimiter (or the quote) again.
            let unquotedEscape = escape ?? delimiter
            let quotedEscape = escape ?? quote
            let escapePattern = UInt64(unquotedEscape) &* Self.ones
            let flushesEachField = !nullBytes.isEmpty
            var index = start
            // The first chunk byte not yet copied into the batch: chunk index i lands at
            // batch.bytes.count + (i - run).
            var run = start
            func flush(_ end: Int, _ batch: inout TextBatch) {
                if end > run { batch.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<end])) }
                run = end
            }
            while index < count {
                switch state {
                case .fieldStart:
                    if bytes[index] == quote {
                        flush(index, &batch)
                        index += 1
                        run = index
                        beginField(at: batch.bytes.count, quoted: true)
                    } else {
                        beginField(at: batch.bytes.count + index - run, quoted: false)
                        // Straight on, not through the switch's jump table again (most fields).
                        fallthrough
                    }
                case .unquoted:
                    // Field after field while each ends at a delimiter and the next is unquoted.
                    while true {
                        var high: UInt8 = 0
                        var byte: UInt8 = 0
                        // Eight bytes at a time while no separator is among them.
                        let raw = UnsafeRawBufferPointer(bytes)
                        while index + 8 <= count {
                            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                            let hits =
                                Self.matches(word, delimiterPattern) | Self.matches(word, Self.lineFeedPattern)
                                | Self.matches(word, Self.carriageReturnPattern) | Self.matches(word, escapePattern)
                            if hits != 0 {
                                let before = hits.trailingZeroBitCount / 8
                                let kept = before == 0 ? 0 : word & (UInt64.max >> (64 - 8 * before))
                                high |= Self.highBits(kept)
                                index += before
                                break
                            }
                            high |= Self.highBits(word)
                            index += 8
                        }
                        while index < count {
                            byte = bytes[index]
                            if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn
                                || byte == unquotedEscape
                            {
                                break
                            }
                            high |= byte
                            index += 1
                        }
                        fieldHighBits |= high
                        if index == count { break }
                        if escape != nil && byte == unquotedEscape {
                            // The escape and the byte after it stay in the run; the field drops the escape at its end.
                            guard stepOverEscape(bytes, at: &index, orAwait: .escapedUnquoted) else { break }
                            continue
                        }
                        if fieldHighBits >= 0x80 || flushesEachField || fieldEscaped { flush(index, &batch) }
                        let end = batch.bytes.count + index - run
                        if try separator(
                            byte, fieldEnd: end, at: &index, into: &batch, rowLimit: rowLimit,
                            byteLimit: byteLimit - (index - run))
                        {
                            flush(index, &batch)
                            return index
                        }
                        guard state == .fieldStart, index < count, bytes[index] != quote else { break }
                        beginField(at: batch.bytes.count + index - run, quoted: false)
                    }
                case .quoted:
                    var high: UInt8 = 0
                    var lines = 0
                    while index < count {
                        let byte = bytes[index]
                        if byte == quote || byte == quotedEscape { break }
                        if byte == Self.lineFeed { lines += 1 }
                        high |= byte
                        index += 1
                    }
                    fieldHighBits |= high
                    line += lines
                    if index < count && escape != nil && bytes[index] == quotedEscape {
                        _ = stepOverEscape(bytes, at: &index, orAwait: .escapedQuoted)
                    } else if index < count {
                        flush(index, &batch)
                        state = .quoteInQuoted
                        index += 1
                        run = index
                    }
                case .quoteInQuoted:
                    let byte = bytes[index]
                    if byte == quote {
                        // A doubled quote: the second one stays in the run as content.
                        state = .quoted
                        index += 1
                    } else if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn {
                        if try separator(
                            byte, fieldEnd: batch.bytes.count, at: &index, into: &batch,
                            rowLimit: rowLimit, byteLimit: byteLimit - (index - run))
                        {
                            flush(index, &batch)
                            return index
                        }
                    } else {
                        throw FrameError(
                            kind: .textAfterClosingQuote, file: file, line: line, column: fieldsInRow + 1,
                            message: "text after the closing quote of a field")
                    }
                case .afterCR:
                    if bytes[index] == Self.lineFeed { index += 1 }
                    state = .fieldStart
                case .escapedUnquoted, .escapedQuoted:
                    // The byte after an escape that ended the previous chunk.
                    state = state == .escapedUnquoted ? .unquoted : .quoted
                    keepEscaped(bytes[index], at: &index)
                }
            }
            flush(count, &batch)
            return count
        }
    }

    /// Starts a field whose content begins at batch offset `offset` (after its opening quote).
    @inline(__always)
    private mutating func beginField(at offset: Int, quoted: Bool) {
        fieldStartLine = line
        fieldHighBits = 0
        fieldEscaped = false
        fieldQuoted = quoted
        state = quoted ? .quoted : .unquoted
        fieldStartOffset = offset
    }

    /// Steps over the escape at `index` and the byte after it; when the chunk ends between them,
    /// waits in `pending` for the next chunk's first byte and returns false.
    @inline(__always)
    private mutating func stepOverEscape(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, orAwait pending: State
    ) -> Bool {
        fieldEscaped = true
        index += 1
        guard index < bytes.count else {
            state = pending
            return false
        }
        keepEscaped(bytes[index], at: &index)
        return true
    }

    /// Steps over the byte after an escape, which is part of the field whatever it is.
    @inline(__always)
    private mutating func keepEscaped(_ byte: UInt8, at index: inout Int) {
        if byte == Self.lineFeed { line += 1 }
        fieldHighBits |= byte
        index += 1
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let lineFeedPattern = UInt64(lineFeed) &* ones
    private static let carriageReturnPattern = UInt64(carriageReturn) &* ones

    /// A word whose lowest set high bit marks the first byte of `word` equal to the byte repeated in
    /// `pattern` (bits above the first match may be spurious; only the lowest is used).
    @inline(__always)
    private static func matches(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = word ^ pattern
        return (x &- ones) & ~x & 0x8080_8080_8080_8080
    }

    /// 0x80 when any byte of `word` has its high bit set (non-ASCII), else 0.
    @inline(__always)
    private static func highBits(_ word: UInt64) -> UInt8 {
        word & 0x8080_8080_8080_8080 != 0 ? 0x80 : 0
    }

    /// Handles the delimiter, LF or CR at `index` that ends a field ending at batch offset
    /// `fieldEnd`. True when the batch is full.
    @inline(__always)
    private mutating func separator(
        _ byte: UInt8, fieldEnd: Int, at index: inout Int, into batch: inout TextBatch,
        rowLimit: Int, byteLimit: Int
    ) throws(FrameError) -> Bool {
        try endField(end: fieldEnd, into: &batch)
        index += 1
        if byte == delimiter {
            state = .fieldStart
            return false
        }
        try endRow(into: &batch)
        line += 1
        rowStartLine = line
        state = byte == Self.carriageReturn ? .afterCR : .fieldStart
        filledBatch = batch.rowCount >= rowLimit || batch.bytes.count >= byteLimit
        return filledBatch
    }

    /// Ends the input: completes a last row without a line end, or reports an open quote.
    mutating func finish(into batch: inout TextBatch) throws(FrameError) {
        switch state {
        case .quoted, .escapedQuoted:
            throw FrameError(
                kind: .unterminatedQuote, file: file, line: fieldStartLine, column: fieldsInRow + 1,
                message: "quoted field is not closed before the end of the input")
        case .unquoted, .quoteInQuoted, .escapedUnquoted:
            try endField(end: batch.bytes.count, into: &batch)
            try endRow(into: &batch)
        case .fieldStart:
            if fieldsInRow > 0 {
                fieldStartOffset = batch.bytes.count
                fieldQuoted = false
                fieldHighBits = 0
                fieldEscaped = false
                try endField(end: batch.bytes.count, into: &batch)
                try endRow(into: &batch)
            }
        case .afterCR:
            break
        }
        state = .afterCR
    }

    /// Records the field `fieldStartOffset..<end` (its bytes must be in the batch when they are
    /// checked: non-ASCII, a possible NULL marker, or escaped, when they end the batch's bytes).
    @inline(__always)
    private mutating func endField(end fieldEnd: Int, into batch: inout TextBatch) throws(FrameError) {
        fieldsInRow += 1
        if let expectedColumns, fieldsInRow > expectedColumns {
            throw FrameError(
                kind: .tooManyFields, file: file, line: fieldStartLine, column: fieldsInRow,
                message: "row has more than \(expectedColumns) fields")
        }
        // NULL is the marker as written, before escapes: with `\` as the escape, `\N` is NULL.
        if !fieldQuoted && fieldEnd - fieldStartOffset == nullBytes.count
            && (nullBytes.isEmpty || batch.bytes[fieldStartOffset..<fieldEnd].elementsEqual(nullBytes))
        {
            batch.fields.append(FieldSpan(start: fieldStartOffset, end: fieldStartOffset, isNull: true))
            return
        }
        var end = fieldEnd
        if fieldEscaped, let escape { end = Self.unescape(&batch.bytes, fieldStartOffset..<end, escape: escape) }
        if fieldHighBits & 0x80 != 0, let bad = UTF8Validation.firstInvalid(in: batch.bytes, fieldStartOffset..<end) {
            let linesBefore = batch.bytes[fieldStartOffset..<bad].reduce(0) { $1 == Self.lineFeed ? $0 + 1 : $0 }
            throw FrameError(
                kind: .invalidUTF8, file: file, line: fieldStartLine + linesBefore, column: fieldsInRow,
                message: "invalid UTF-8 at byte \(bad - fieldStartOffset + 1) of the field")
        }
        batch.fields.append(FieldSpan(start: fieldStartOffset, end: end, isNull: false))
    }

    /// Drops each escape byte of `bytes[range]` (the last bytes of the buffer), keeping the byte
    /// after it; returns the field's new end.
    private static func unescape(_ bytes: inout [UInt8], _ range: Range<Int>, escape: UInt8) -> Int {
        var write = range.lowerBound
        var read = range.lowerBound
        while read < range.upperBound {
            if bytes[read] == escape && read + 1 < range.upperBound { read += 1 }
            bytes[write] = bytes[read]
            write += 1
            read += 1
        }
        bytes.removeSubrange(write..<range.upperBound)
        return write
    }

    private mutating func endRow(into batch: inout TextBatch) throws(FrameError) {
        if let expectedColumns, fieldsInRow < expectedColumns {
            throw FrameError(
                kind: .tooFewFields, file: file, line: rowStartLine, column: fieldsInRow + 1,
                message: "row has \(fieldsInRow) of \(expectedColumns) fields")
        }
        batch.endRow(line: rowStartLine)
        fieldsInRow = 0
    }
}
