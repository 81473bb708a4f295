import Digest

/// Rewrites rows of staged CSV (`StagedCSVEncoder` with `NullMarker.emptyField`: an empty unquoted
/// field is NULL) in PostgreSQL's binary COPY format, each field in its column type's send format.
/// A field whose text is not one of the forms it sends exactly, as the server would read that
/// text, makes `append` return false: the caller then copies that CSV as text instead.
public struct PostgresBinaryCopy: Sendable {
    /// A column's binary send format.
    public enum Field: Sendable, Hashable {
        case boolean, int2, int4, int8, float4, float8, numeric, text, jsonb, date, time, timestamp, timestamptz
        case interval, bytea

        /// The send format of PostgreSQL's column type for a frame type (text for text, JSON as
        /// `jsonb`, decimals as `numeric`).
        public init(sending type: ColumnType) {
            switch type {
            case .boolean: self = .boolean
            case .smallint: self = .int2
            case .integer: self = .int4
            case .bigint: self = .int8
            case .decimal, .numeric: self = .numeric
            case .real: self = .float4
            case .double: self = .float8
            case .text: self = .text
            case .date: self = .date
            case .time: self = .time
            case .timestamp: self = .timestamp
            case .timestamptz: self = .timestamptz
            case .interval: self = .interval
            case .binary: self = .bytea
            case .json: self = .jsonb
            }
        }
    }

    public let fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The signature `PGCOPY\n\377\r\n\0`, no flags, no header extension.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    /// A field count of -1.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Writes the binary rows of `csv`, which holds `rows` rows, into `buffer` from its start
    /// (growing it when it is too small); the number of bytes written. Nil when a field has no
    /// exact binary form here, or the rows are not `rows` rows of `fields.count` fields.
    public func encode(csv: [UInt8], rows: Int, into buffer: inout [UInt8]) -> Int? {
        guard !fields.isEmpty else { return nil }
        let (outcome, progress) = run(csv[...], expectedRows: rows, partial: false, into: &buffer)
        return outcome == .done && progress.rows == rows ? progress.written : nil
    }

    /// How much of a stream of CSV `encodePrefix` wrote: the bytes of `csv` consumed and the rows
    /// and bytes written, all at a row's end.
    public struct Prefix: Sendable, Hashable {
        public var consumed: Int
        public var rows: Int
        public var written: Int
        /// The row after the written ones has a field without an exact binary form (or is not a
        /// row of `fields.count` fields): it, and whatever follows, must go as CSV.
        public var refused: Bool
    }

    /// Writes the binary rows of the complete rows at the start of `csv`, a piece of a longer CSV
    /// text cut anywhere, into `buffer` from its start (growing it when it is too small). The
    /// incomplete row at the end, if any, is left for the next piece.
    public func encodePrefix(csv: ArraySlice<UInt8>, into buffer: inout [UInt8]) -> Prefix {
        guard !fields.isEmpty else { return Prefix(consumed: 0, rows: 0, written: 0, refused: true) }
        let (outcome, progress) = run(csv, expectedRows: csv.count / 8, partial: true, into: &buffer)
        return Prefix(
            consumed: progress.consumed, rows: progress.rows, written: progress.written, refused: outcome == .refused)
    }

    /// Writes the binary rows of `batch` into `buffer` from its start (growing it when it is too
    /// small); the number of bytes written. The rows are those of the staged CSV that
    /// `StagedCSVEncoder` (with `NullMarker.emptyField` and the `\x` prefix) writes of `batch`, read
    /// from the batch's fields instead of from that CSV. Nil as for `encode(csv:rows:into:)`.
    public func encode(_ batch: TextBatch, into buffer: inout [UInt8]) -> Int? {
        guard !fields.isEmpty, batch.columnCount == fields.count else { return nil }
        let (outcome, progress) = Self.writeGrowing(into: &buffer, room: typicalSize(of: batch)) { output, progress in
            batch.bytes.withUnsafeBufferPointer { bytes in
                batch.fields.withUnsafeBufferPointer { spans in
                    encode(rows: batch.rowCount, of: bytes, spans, into: &output, progress: &progress)
                }
            }
        }
        return outcome == .done ? progress.written : nil
    }

    /// The room `encode(_:into:)` starts with for `batch`: its text, and each row's field count and
    /// each field's length. Most batches fit; a batch that does not grows the buffer and goes on.
    public func typicalSize(of batch: TextBatch) -> Int {
        batch.byteCount + batch.rowCount * (2 + 4 * fields.count) + 64
    }

    /// Writes rows from `progress.rows` on; `progress.consumed` counts fields.
    private func encode(
        rows: Int, of bytes: UnsafeBufferPointer<UInt8>, _ spans: UnsafeBufferPointer<FieldSpan>,
        into output: inout Output, progress: inout Progress
    ) -> Outcome {
        var index = progress.consumed
        let fieldCount = fields.count
        for _ in progress.rows..<rows {
            guard output.has(room: 2) else { return .full }
            output.int(Int16(fieldCount))
            for field in fields {
                let span = spans[index]
                index += 1
                if span.isNull {
                    guard output.has(room: 4) else { return .full }
                    output.int(Int32(-1))
                    continue
                }
                let text = bytes[span.range]
                guard output.has(room: 16 + text.count) else { return .full }
                guard Self.write(text, as: field, to: &output) else { return .refused }
            }
            progress = Progress(consumed: index, written: output.position, rows: progress.rows + 1)
        }
        return .done
    }

    private func run(_ csv: ArraySlice<UInt8>, expectedRows rows: Int, partial: Bool, into buffer: inout [UInt8])
        -> (Outcome, Progress)
    {
        let (outcome, progress) = Self.writeGrowing(into: &buffer, room: csv.count + csv.count / 2 + 2 * rows + 64) {
            output, progress in
            csv.withUnsafeBufferPointer { bytes in encode(bytes, into: &output, progress: &progress) }
        }
        return (outcome == .incomplete ? (partial ? .done : .refused) : outcome, progress)
    }

    /// Runs `body` over `buffer` from its start, with `room` bytes to begin with (most inputs fit):
    /// when it stops with `.full`, the buffer doubles and `body` goes on from its progress, the
    /// last row's end. The buffer grows in place: one from a pool comes empty, with its capacity.
    private static func writeGrowing(
        into buffer: inout [UInt8], room: Int, _ body: (inout Output, inout Progress) -> Outcome
    ) -> (Outcome, Progress) {
        if buffer.count < room { buffer.append(contentsOf: repeatElement(0, count: room - buffer.count)) }
        var progress = Progress()
        while true {
            let outcome = buffer.withUnsafeMutableBufferPointer { buffer in
                var output = Output(buffer: buffer, position: progress.written)
                return body(&output, &progress)
            }
            guard outcome == .full else { return (outcome, progress) }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
    }

    /// How far `encode` got: the CSV consumed and the bytes written, both at a row's end.
    private struct Progress {
        var consumed = 0
        var written = 0
        var rows = 0
    }

    /// `incomplete`: the input ended inside a row (a refusal unless the input is a piece).
    private enum Outcome { case done, refused, full, incomplete }

    private func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout Output, progress: inout Progress)
        -> Outcome
    {
        var index = progress.consumed
        let end = bytes.count
        let lastColumn = fields.count - 1
        while index < end {
            guard output.has(room: 2) else { return .full }
            output.int(Int16(fields.count))
            for column in 0...lastColumn {
                let field = fields[column]
                let fieldEnd: Int
                if index < end && bytes[index] == Self.quote {
                    // A quoted value: `""` inside stands for one quote.
                    var cursor = index + 1
                    var escapes = false
                    while true {
                        guard cursor < end else { return .incomplete }
                        if bytes[cursor] == Self.quote {
                            // A quote at the end of a piece may be the first of a doubled one.
                            if cursor + 1 == end { return .incomplete }
                            if bytes[cursor + 1] == Self.quote {
                                escapes = true
                                cursor += 2
                                continue
                            }
                            break
                        }
                        cursor += 1
                    }
                    let content = bytes[(index + 1)..<cursor]
                    guard output.has(room: 16 + content.count) else { return .full }
                    if escapes {
                        guard field == .text || field == .jsonb else { return .refused }
                        Self.writeUnescaped(content, jsonb: field == .jsonb, to: &output)
                    } else if !Self.write(content, as: field, to: &output) {
                        return .refused
                    }
                    fieldEnd = cursor + 1
                } else {
                    var cursor = index
                    while cursor < end && bytes[cursor] != Self.comma && bytes[cursor] != Self.lineFeed { cursor += 1 }
                    // The field may go on in the next piece.
                    if cursor == end { return .incomplete }
                    guard output.has(room: 16 + cursor - index) else { return .full }
                    if cursor == index {
                        output.int(Int32(-1))
                    } else if !Self.write(bytes[index..<cursor], as: field, to: &output) {
                        return .refused
                    }
                    fieldEnd = cursor
                }
                guard fieldEnd < end else { return .incomplete }
                guard bytes[fieldEnd] == (column == lastColumn ? Self.lineFeed : Self.comma) else { return .refused }
                index = fieldEnd + 1
            }
            progress = Progress(consumed: index, written: output.position, rows: progress.rows + 1)
        }
        return .done
    }

    /// Writes into a buffer that the caller checked has room (`has(room:)`).
    private struct Output {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var position: Int

        func has(room: Int) -> Bool { position + room <= buffer.count }

        @inline(__always)
        mutating func byte(_ value: UInt8) {
            buffer[position] = value
            position += 1
        }

        @inline(__always)
        mutating func int<Integer: FixedWidthInteger>(_ value: Integer) {
            UnsafeMutableRawBufferPointer(buffer).storeBytes(
                of: value.bigEndian, toByteOffset: position, as: Integer.self)
            position += Integer.bitWidth / 8
        }

        @inline(__always)
        mutating func bytes(_ text: Slice<UnsafeBufferPointer<UInt8>>) {
            guard !text.isEmpty else { return }
            guard let target = buffer.baseAddress, let source = text.base.baseAddress else { return }
            (target + position).update(from: source + text.startIndex, count: text.count)
            position += text.count
        }

        /// Sets the 32-bit integer at `offset`.
        mutating func setInt(_ value: Int32, at offset: Int) {
            UnsafeMutableRawBufferPointer(buffer).storeBytes(of: value.bigEndian, toByteOffset: offset, as: Int32.self)
        }
    }

    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Writes the length and send format of a non-NULL value; false when there is none for `text`.
    @inline(__always)
    private static func write(_ text: Bytes, as field: Field, to output: inout Output) -> Bool {
        switch field {
        case .text:
            output.int(Int32(text.count))
            output.bytes(text)
        case .jsonb:
            output.int(Int32(text.count + 1))
            output.byte(1)
            output.bytes(text)
        case .boolean:
            guard let value = boolean(text) else { return false }
            output.int(Int32(1))
            output.byte(value ? 1 : 0)
        case .int2:
            guard let value = integer(text), let narrow = Int16(exactly: value) else { return false }
            output.int(Int32(2))
            output.int(narrow)
        case .int4:
            guard let value = integer(text), let narrow = Int32(exactly: value) else { return false }
            output.int(Int32(4))
            output.int(narrow)
        case .int8:
            guard let value = integer(text) else { return false }
            output.int(Int32(8))
            output.int(value)
        case .float4:
            guard let value = float(text) else { return false }
            output.int(Int32(4))
            output.int(Int32(bitPattern: value.bitPattern))
        case .float8:
            guard let value = double(text) else { return false }
            output.int(Int32(8))
            output.int(Int64(bitPattern: value.bitPattern))
        case .numeric:
            return writeNumeric(text, to: &output)
        case .date:
            if let infinite = ISODateTime.infinity(text) {
                // DATEVAL_NOEND and DATEVAL_NOBEGIN.
                output.int(Int32(4))
                output.int(infinite ? Int32.max : Int32.min)
                return true
            }
            guard let parsed = ISODateTime.parse(text), parsed.kind == .date else { return false }
            output.int(Int32(4))
            output.int(Int32(parsed.days - daysFrom1970To2000))
        case .timestamp, .timestamptz:
            if let infinite = ISODateTime.infinity(text) {
                // DT_NOEND and DT_NOBEGIN.
                output.int(Int32(8))
                output.int(infinite ? Int64.max : Int64.min)
                return true
            }
            // A naive value is wall-clock time; the load's session is in UTC, so as an instant it
            // is that time in UTC. An offset into `timestamp` would be ignored by the server: text.
            guard let parsed = ISODateTime.parse(text), field == .timestamptz || parsed.kind != .timestamptz else {
                return false
            }
            output.int(Int32(8))
            output.int(parsed.microsecondsSinceEpoch - Int64(daysFrom1970To2000) * Timestamp.microsecondsPerDay)
        case .time:
            guard text.count >= 7, text.first != minus, text.first != plus,
                let micros = ClockText.parse(text, allowsDays: false)
            else { return false }
            output.int(Int32(8))
            output.int(micros)
        case .interval:
            guard let (days, micros) = interval(text) else { return false }
            output.int(Int32(16))
            output.int(micros)
            output.int(days)
            output.int(Int32(0))
        case .bytea:
            return writeHex(text, to: &output)
        }
        return true
    }

    /// `N day[s]`, then (after a space) or alone `[+]H+:MM:SS[.f{1,6}]`, as interval_in reads them:
    /// the days and the time kept apart, as the server keeps them. Negative intervals go as text:
    /// with `IntervalStyle` `sql_standard` a leading `-` applies to every field.
    private static func interval(_ text: Bytes) -> (days: Int32, micros: Int64)? {
        guard !text.contains(minus) else { return nil }
        var days: Int32 = 0
        var clock = text
        if let gap = text.firstIndex(of: Self.space) {
            let word = text[(gap + 1)...].prefix { $0 != Self.space }
            guard word.elementsEqual("day".utf8) || word.elementsEqual("days".utf8),
                let count = integer(text[..<gap]), let narrow = Int32(exactly: count)
            else { return nil }
            days = narrow
            let rest = text[(gap + 1 + word.count)...]
            if rest.isEmpty { return (days, 0) }
            guard rest.first == Self.space else { return nil }
            clock = rest.dropFirst()
        }
        if clock.first == plus { clock = clock.dropFirst() }
        // Hours of up to nine digits: far inside int64 microseconds, and what interval_in takes.
        guard let firstColon = clock.firstIndex(of: Self.colon), (1...9).contains(firstColon - clock.startIndex),
            clock.first.map({ $0 &- zero < 10 }) == true, clock[firstColon...].count >= 6,
            let micros = ClockText.parse(clock, allowsDays: true)
        else { return nil }
        return (days, micros)
    }

    /// bytea's hex form `\x` and pairs of hex digits, as the raw bytes bytearecv takes.
    private static func writeHex(_ text: Bytes, to output: inout Output) -> Bool {
        guard text.count >= 2, text.count % 2 == 0, text[text.startIndex] == backslash,
            text[text.startIndex + 1] == letterX
        else { return false }
        output.int(Int32(text.count / 2 - 1))
        var index = text.startIndex + 2
        while index < text.endIndex {
            guard let high = Hex.digitValue(text[index]), let low = Hex.digitValue(text[index + 1]) else {
                return false
            }
            output.byte(high << 4 | low)
            index += 2
        }
        return true
    }

    /// Writes a quoted value's text with each `""` as one quote.
    private static func writeUnescaped(_ content: Bytes, jsonb: Bool, to output: inout Output) {
        let lengthAt = output.position
        output.int(Int32(0))
        if jsonb { output.byte(1) }
        var index = content.startIndex
        while index < content.endIndex {
            output.byte(content[index])
            index += content[index] == quote ? 2 : 1
        }
        output.setInt(Int32(output.position - lengthAt - 4), at: lengthAt)
    }

    /// The spellings of boolin that need no prefix matching or trimming, in any case.
    private static func boolean(_ text: Bytes) -> Bool? {
        guard text.count <= 5 else { return nil }
        var lowered: UInt64 = 0
        for byte in text { lowered = lowered << 8 | UInt64(lowercased(byte)) }
        if trueWords.contains(lowered) { return true }
        if falseWords.contains(lowered) { return false }
        return nil
    }

    private static let trueWords = ["t", "true", "y", "yes", "on", "1"].map(packed)
    private static let falseWords = ["f", "false", "n", "no", "off", "0"].map(packed)

    /// Up to eight bytes as one integer, for comparing short words without allocating.
    private static func packed(_ word: String) -> UInt64 {
        word.utf8.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// `[+-]digits`, as int8in reads it.
    private static func integer(_ text: Bytes) -> Int64? {
        var index = text.startIndex
        var negative = false
        if index < text.endIndex && (text[index] == minus || text[index] == plus) {
            negative = text[index] == minus
            index += 1
        }
        guard index < text.endIndex else { return nil }
        var magnitude: UInt64 = 0
        while index < text.endIndex {
            let digit = text[index] &- zero
            guard digit < 10 else { return nil }
            let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow && !carry else { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return Int64(exactly: magnitude)
    }

    /// The double float8in reads (strtod's correctly rounded value); nil where it would refuse
    /// the text (out of range) or where the spelling is not a plain number, NaN or infinity.
    /// Not `Value.parseDouble`: that also reads `-nan`, whose bits the server would keep.
    private static func double(_ text: Bytes) -> Double? {
        if let value = DecimalForm(text)?.exactDouble ?? Value.parseFiniteNumber(text) {
            // float8in refuses a nonzero number that underflows to zero.
            if value == 0 {
                for byte in text {
                    if byte == letterE || byte == letterUpperE { break }
                    if byte > zero && byte <= zero + 9 { return nil }
                }
            }
            return value
        }
        guard text.count <= 9 else { return nil }
        switch String(decoding: text.map(lowercased), as: UTF8.self) {
        case "nan": return .nan
        case "infinity", "+infinity", "inf", "+inf": return .infinity
        case "-infinity", "-inf": return -.infinity
        default: return nil
        }
    }

    /// The float float4in reads (strtof's correctly rounded value, not a double rounded again);
    /// nil where it would refuse the text (out of range) or the spelling is not a plain number,
    /// NaN or infinity.
    private static func float(_ text: Bytes) -> Float? {
        let plain = text.allSatisfy {
            $0 &- zero < 10 || $0 == dot || $0 == minus || $0 == plus || lowercased($0) == letterE
        }
        guard plain else {
            // NaN and the infinities, spelled as double() takes them.
            guard let special = double(text), !special.isFinite else { return nil }
            return Float(special)
        }
        guard text.count <= 64, let value = Float(String(decoding: text, as: UTF8.self)) else { return nil }
        if value.isInfinite { return nil }
        if value == 0 {
            for byte in text {
                if lowercased(byte) == letterE { break }
                if byte > zero && byte <= zero + 9 { return nil }
            }
        }
        return value
    }

    /// Writes numeric's send format (digits of base 10,000 around the point, weight, sign and
    /// display scale) of `[+-]digits[.digits][e[+-]digits]`, with the scale numeric_in gives it.
    private static func writeNumeric(_ text: Bytes, to output: inout Output) -> Bool {
        var index = text.startIndex
        var negative = false
        if index < text.endIndex && (text[index] == minus || text[index] == plus) {
            negative = text[index] == minus
            index += 1
        }
        // The digits run from `digitsStart`, with the point (if any) at `pointIndex`.
        let digitsStart = index
        var pointIndex: Int?
        var digitCount = 0
        while index < text.endIndex {
            let byte = text[index]
            if byte == dot {
                guard pointIndex == nil else { return false }
                pointIndex = index
            } else if byte &- zero < 10 {
                digitCount += 1
            } else {
                break
            }
            index += 1
        }
        guard digitCount > 0 else { return false }
        let beforePoint = (pointIndex ?? index) - digitsStart
        var exponent = 0
        if index < text.endIndex {
            guard text[index] == letterE || text[index] == letterUpperE else { return false }
            index += 1
            var negativeExponent = false
            if index < text.endIndex && (text[index] == minus || text[index] == plus) {
                negativeExponent = text[index] == minus
                index += 1
            }
            guard index < text.endIndex else { return false }
            while index < text.endIndex {
                let digit = text[index] &- zero
                // Past 1,000 servers differ in what they accept: the text decides.
                guard digit < 10, exponent <= 1000 else { return false }
                exponent = exponent * 10 + Int(digit)
                index += 1
            }
            guard exponent <= 1000 else { return false }
            if negativeExponent { exponent = -exponent }
        }
        let displayScale = max(0, digitCount - beforePoint - exponent)
        // Digit `position` (0 = the first) of the number, 0 outside its digits.
        func digit(_ position: Int) -> Int {
            guard position >= 0 && position < digitCount else { return 0 }
            var at = digitsStart + position
            if let pointIndex, at >= pointIndex { at += 1 }
            return Int(text[at] &- zero)
        }
        // Groups of four digits aligned to the point; `leading` zeros put the point on a boundary.
        let point = beforePoint + exponent
        let leading = ((4 - point % 4) % 4 + 4) % 4
        let groupCount = (leading + digitCount + 3) / 4
        func group(_ number: Int) -> Int16 {
            let first = number * 4 - leading
            return Int16(digit(first) * 1000 + digit(first + 1) * 100 + digit(first + 2) * 10 + digit(first + 3))
        }
        var first = 0
        var firstGroup: Int16 = 0
        while first < groupCount {
            firstGroup = group(first)
            if firstGroup != 0 { break }
            first += 1
        }
        var last = groupCount
        while last > first + 1 && group(last - 1) == 0 { last -= 1 }
        let kept = last - first
        let weight = kept == 0 ? 0 : (point + leading) / 4 - 1 - first
        guard displayScale <= 0x3FFF, kept <= 3000, let weight16 = Int16(exactly: weight) else { return false }
        output.int(Int32(8 + 2 * kept))
        output.int(Int16(kept))
        output.int(weight16)
        output.int(UInt16(negative && kept > 0 ? 0x4000 : 0x0000))
        output.int(Int16(displayScale))
        // The first group was read finding it.
        if kept > 0 { output.int(firstGroup) }
        if kept > 1 {
            for number in first + 1..<last { output.int(group(number)) }
        }
        return true
    }

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    private static let daysFrom1970To2000 = 10_957
    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let minus = UInt8(ascii: "-")
    private static let plus = UInt8(ascii: "+")
    private static let dot = UInt8(ascii: ".")
    private static let zero = UInt8(ascii: "0")
    private static let letterE = UInt8(ascii: "e")
    private static let letterUpperE = UInt8(ascii: "E")
    private static let letterX = UInt8(ascii: "x")
    private static let backslash = UInt8(ascii: "\\")
    private static let space = UInt8(ascii: " ")
    private static let colon = UInt8(ascii: ":")
}
