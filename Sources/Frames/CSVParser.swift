/// The RFC 4180 state machine behind `CSVReader`: consumes chunks of any size (a field or row may
/// span chunks), appends fields to a `TextBatch`, counts physical lines, and checks field counts and
/// UTF-8 as it goes. Its hot loop reads each chunk through a buffer pointer, confined to this file.
struct CSVParser {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterCR }

    let delimiter: UInt8
    let nullMarker: NullMarker
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
    private var fieldsInRow = 0
    /// True when the last `parse` stopped because a row filled the batch.
    private(set) var filledBatch = false

    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    init(delimiter: UInt8, nullMarker: NullMarker, file: String?, expectedColumns: Int?) {
        self.delimiter = delimiter
        self.nullMarker = nullMarker
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
            let delimiterPattern = UInt64(delimiter) &* Self.ones
            let flushesEachField = nullMarker == .backslashN
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
                    fieldStartLine = line
                    fieldHighBits = 0
                    if bytes[index] == Self.quote {
                        fieldQuoted = true
                        state = .quoted
                        flush(index, &batch)
                        index += 1
                        run = index
                        fieldStartOffset = batch.bytes.count
                    } else {
                        fieldQuoted = false
                        state = .unquoted
                        fieldStartOffset = batch.bytes.count + index - run
                    }
                case .unquoted:
                    var high: UInt8 = 0
                    var byte: UInt8 = 0
                    // Eight bytes at a time while no separator is among them.
                    let raw = UnsafeRawBufferPointer(bytes)
                    while index + 8 <= count {
                        let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        let hits =
                            Self.matches(word, delimiterPattern) | Self.matches(word, Self.lineFeedPattern)
                            | Self.matches(word, Self.carriageReturnPattern)
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
                        if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
                        high |= byte
                        index += 1
                    }
                    fieldHighBits |= high
                    if index == count { break }
                    if fieldHighBits >= 0x80 || flushesEachField { flush(index, &batch) }
                    let end = batch.bytes.count + index - run
                    if try separator(
                        byte, fieldEnd: end, at: &index, into: &batch, rowLimit: rowLimit,
                        byteLimit: byteLimit - (index - run))
                    {
                        flush(index, &batch)
                        return index
                    }
                case .quoted:
                    var high: UInt8 = 0
                    var lines = 0
                    while index < count {
                        let byte = bytes[index]
                        if byte == Self.quote { break }
                        if byte == Self.lineFeed { lines += 1 }
                        high |= byte
                        index += 1
                    }
                    fieldHighBits |= high
                    line += lines
                    if index < count {
                        flush(index, &batch)
                        state = .quoteInQuoted
                        index += 1
                        run = index
                    }
                case .quoteInQuoted:
                    let byte = bytes[index]
                    if byte == Self.quote {
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
                }
            }
            flush(count, &batch)
            return count
        }
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
        case .quoted:
            throw FrameError(
                kind: .unterminatedQuote, file: file, line: fieldStartLine, column: fieldsInRow + 1,
                message: "quoted field is not closed before the end of the input")
        case .unquoted, .quoteInQuoted:
            try endField(end: batch.bytes.count, into: &batch)
            try endRow(into: &batch)
        case .fieldStart:
            if fieldsInRow > 0 {
                fieldStartOffset = batch.bytes.count
                fieldQuoted = false
                fieldHighBits = 0
                try endField(end: batch.bytes.count, into: &batch)
                try endRow(into: &batch)
            }
        case .afterCR:
            break
        }
        state = .afterCR
    }

    /// Records the field `fieldStartOffset..<end` (its bytes must be in the batch when they are
    /// checked: non-ASCII, or a possible `\\N`).
    private mutating func endField(end fieldEnd: Int, into batch: inout TextBatch) throws(FrameError) {
        fieldsInRow += 1
        if let expectedColumns, fieldsInRow > expectedColumns {
            throw FrameError(
                kind: .tooManyFields, file: file, line: fieldStartLine, column: fieldsInRow,
                message: "row has more than \(expectedColumns) fields")
        }
        var end = fieldEnd
        if fieldHighBits & 0x80 != 0, let bad = UTF8Validation.firstInvalid(in: batch.bytes, fieldStartOffset..<end) {
            let linesBefore = batch.bytes[fieldStartOffset..<bad].reduce(0) { $1 == Self.lineFeed ? $0 + 1 : $0 }
            throw FrameError(
                kind: .invalidUTF8, file: file, line: fieldStartLine + linesBefore, column: fieldsInRow,
                message: "invalid UTF-8 at byte \(bad - fieldStartOffset + 1) of the field")
        }
        var isNull = false
        if !fieldQuoted {
            switch nullMarker {
            case .emptyField:
                isNull = end == fieldStartOffset
            case .backslashN:
                isNull =
                    end == fieldStartOffset + 2 && batch.bytes[fieldStartOffset] == UInt8(ascii: "\\")
                    && batch.bytes[fieldStartOffset + 1] == UInt8(ascii: "N")
                if isNull { end = fieldStartOffset }
            }
        }
        batch.fields.append(FieldSpan(start: fieldStartOffset, end: end, isNull: isNull))
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
