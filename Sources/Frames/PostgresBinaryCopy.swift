/// Rewrites rows of staged CSV (`StagedCSVEncoder` with `NullMarker.emptyField`: an empty unquoted
/// field is NULL) in PostgreSQL's binary COPY format, each field in its column type's send format.
/// A field whose text is not one of the forms it sends exactly, as the server would read that
/// text, makes `append` return false: the caller then copies that CSV as text instead.
public struct PostgresBinaryCopy: Sendable {
    /// A column's binary send format.
    public enum Field: Sendable, Hashable {
        case boolean, int2, int4, int8, float8, numeric, text, jsonb, date, timestamp, timestamptz
    }

    public let fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The signature `PGCOPY\n\377\r\n\0`, no flags, no header extension.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    /// A field count of -1.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Appends the rows of `csv` to `output`. False when a field has no exact binary form here, or
    /// a row has other than `fields.count` fields; `output` then ends with a partial row.
    public func append(csv: [UInt8], to output: inout [UInt8]) -> Bool {
        output.reserveCapacity(output.count + csv.count + csv.count / 4)
        return csv.withUnsafeBufferPointer { bytes in
            var index = 0
            let end = bytes.count
            while index < end {
                Self.appendInt(Int16(fields.count), to: &output)
                for (column, field) in fields.enumerated() {
                    let last = column == fields.count - 1
                    let fieldEnd: Int
                    if index < end && bytes[index] == Self.quote {
                        // A quoted value: `""` inside stands for one quote.
                        var cursor = index + 1
                        var escapes = false
                        while true {
                            guard cursor < end else { return false }
                            if bytes[cursor] == Self.quote {
                                if cursor + 1 < end && bytes[cursor + 1] == Self.quote {
                                    escapes = true
                                    cursor += 2
                                    continue
                                }
                                break
                            }
                            cursor += 1
                        }
                        let content = bytes[(index + 1)..<cursor]
                        if escapes {
                            guard field == .text || field == .jsonb else { return false }
                            Self.appendUnescaped(content, jsonb: field == .jsonb, to: &output)
                        } else if !Self.append(content, as: field, to: &output) {
                            return false
                        }
                        fieldEnd = cursor + 1
                    } else {
                        var cursor = index
                        while cursor < end && bytes[cursor] != Self.comma && bytes[cursor] != Self.lineFeed { cursor += 1 }
                        if cursor == index {
                            Self.appendInt(Int32(-1), to: &output)
                        } else if !Self.append(bytes[index..<cursor], as: field, to: &output) {
                            return false
                        }
                        fieldEnd = cursor
                    }
                    guard fieldEnd < end, bytes[fieldEnd] == (last ? Self.lineFeed : Self.comma) else { return false }
                    index = fieldEnd + 1
                }
            }
            return true
        }
    }

    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Appends the length and send format of a non-NULL value; false when there is none for `text`.
    private static func append(_ text: Bytes, as field: Field, to output: inout [UInt8]) -> Bool {
        switch field {
        case .text:
            appendInt(Int32(text.count), to: &output)
            output.append(contentsOf: text)
        case .jsonb:
            appendInt(Int32(text.count + 1), to: &output)
            output.append(1)
            output.append(contentsOf: text)
        case .boolean:
            guard let value = boolean(text) else { return false }
            appendInt(Int32(1), to: &output)
            output.append(value ? 1 : 0)
        case .int2:
            guard let value = integer(text), let narrow = Int16(exactly: value) else { return false }
            appendInt(Int32(2), to: &output)
            appendInt(narrow, to: &output)
        case .int4:
            guard let value = integer(text), let narrow = Int32(exactly: value) else { return false }
            appendInt(Int32(4), to: &output)
            appendInt(narrow, to: &output)
        case .int8:
            guard let value = integer(text) else { return false }
            appendInt(Int32(8), to: &output)
            appendInt(value, to: &output)
        case .float8:
            guard let value = double(text) else { return false }
            appendInt(Int32(8), to: &output)
            appendInt(Int64(bitPattern: value.bitPattern), to: &output)
        case .numeric:
            return appendNumeric(text, to: &output)
        case .date:
            guard let parsed = ISODateTime.parse(text), parsed.kind == .date else { return false }
            appendInt(Int32(4), to: &output)
            appendInt(Int32(parsed.days - daysFrom1970To2000), to: &output)
        case .timestamp, .timestamptz:
            // A naive value is wall-clock time; the load's session is in UTC, so as an instant it
            // is that time in UTC. An offset into `timestamp` would be ignored by the server: text.
            guard let parsed = ISODateTime.parse(text), field == .timestamptz || parsed.kind != .timestamptz else {
                return false
            }
            appendInt(Int32(8), to: &output)
            appendInt(parsed.microsecondsSinceEpoch - Int64(daysFrom1970To2000) * Timestamp.microsecondsPerDay,
                      to: &output)
        }
        return true
    }

    /// Appends a quoted value's text with each `""` as one quote.
    private static func appendUnescaped(_ content: Bytes, jsonb: Bool, to output: inout [UInt8]) {
        let lengthAt = output.count
        appendInt(Int32(0), to: &output)
        if jsonb { output.append(1) }
        var index = content.startIndex
        while index < content.endIndex {
            output.append(content[index])
            index += content[index] == quote ? 2 : 1
        }
        let length = UInt32(output.count - lengthAt - 4)
        for shift in 0..<4 { output[lengthAt + shift] = UInt8(truncatingIfNeeded: length >> (24 - 8 * shift)) }
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

    /// Appends numeric's send format (digits of base 10,000 around the point, weight, sign and
    /// display scale) of `[+-]digits[.digits][e[+-]digits]`, with the scale numeric_in gives it.
    private static func appendNumeric(_ text: Bytes, to output: inout [UInt8]) -> Bool {
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
        while first < groupCount && group(first) == 0 { first += 1 }
        var last = groupCount
        while last > first && group(last - 1) == 0 { last -= 1 }
        let kept = last - first
        let weight = kept == 0 ? 0 : (point + leading) / 4 - 1 - first
        guard displayScale <= 0x3FFF, kept <= 3000, let weight16 = Int16(exactly: weight) else { return false }
        appendInt(Int32(8 + 2 * kept), to: &output)
        appendInt(Int16(kept), to: &output)
        appendInt(weight16, to: &output)
        appendInt(UInt16(negative && kept > 0 ? 0x4000 : 0x0000), to: &output)
        appendInt(Int16(displayScale), to: &output)
        for number in first..<last { appendInt(group(number), to: &output) }
        return true
    }

    private static func appendInt<Integer: FixedWidthInteger>(_ value: Integer, to output: inout [UInt8]) {
        let big = value.bigEndian
        withUnsafeBytes(of: big) { output.append(contentsOf: $0) }
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
}
