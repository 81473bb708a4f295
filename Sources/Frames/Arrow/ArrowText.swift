/// Writes Arrow values as the staged CSV's text (and nested values as JSON), the forms the
/// warehouse's COPY reads into each column type `ArrowField.columnType` maps to.
struct ArrowText {
    /// Why a value cannot be written.
    struct Unwritable: Error {
        var message: String
    }

    /// The dictionaries of the stream so far, by id.
    var dictionaries: [Int64: ArrowDictionary] = [:]
    /// Written before a binary value's hex digits (`\x` for PostgreSQL's bytea).
    var binaryPrefix: [UInt8]
    /// Whether nanoseconds finer than a microsecond are written out (the column is pinned to
    /// text) rather than refused.
    var keepsNanoseconds: Set<String> = []

    /// Appends value `row` of `array` (which must be valid there).
    func append(_ array: ArrowArray, _ row: Int, to output: inout [UInt8], column: String) throws(Unwritable) {
        if let encoding = array.field.dictionary {
            let (values, index) = try dictionaryValue(array, row, encoding)
            guard values.isValid(index) else { return }
            return try append(values, index, to: &output, column: column)
        }
        switch array.field.type {
        case .int(let bits, let signed):
            appendInteger(array, row, bits: bits, signed: signed, to: &output)
        case .floatingPoint(let bits):
            switch bits {
            case 16: appendFloat(ArrowText.float(half: array.element(0, row, as: UInt16.self)), to: &output)
            case 32: appendFloat(Float(bitPattern: array.element(0, row, as: UInt32.self)), to: &output)
            default: Value.appendDouble(Double(bitPattern: array.element(0, row, as: UInt64.self)), to: &output)
            }
        case .bool:
            let bit = array.body[array.buffers[0].lowerBound + row >> 3] & (1 << UInt8(row & 7)) != 0
            output.append(contentsOf: bit ? Value.trueBytes : Value.falseBytes)
        case .decimal(_, let scale, let bits):
            appendDecimal(array, row, bits: bits, scale: scale, to: &output)
        case .date(let bits):
            let days =
                bits == 32
                ? Int64(array.element(0, row, as: Int32.self))
                : ArrowText.floorDivide(array.element(0, row, as: Int64.self), 86_400_000)
            try appendDate(days, to: &output)
        case .time(let unit, let bits):
            let raw = bits == 32 ? Int64(array.element(0, row, as: Int32.self)) : array.element(0, row, as: Int64.self)
            let micros = try microseconds(raw, unit, column: column)
            guard micros >= 0, micros <= 86_400_000_000 else {
                throw Unwritable(message: "time of day \(raw) \(unit.suffix) is not within one day")
            }
            ArrowText.appendClock(micros, to: &output)
        case .timestamp(let unit, let zone):
            try appendTimestamp(
                array.element(0, row, as: Int64.self), unit, zoned: zone != nil, column: column, to: &output)
        case .duration(let unit):
            let micros = try microseconds(array.element(0, row, as: Int64.self), unit, column: column)
            if micros < 0 { output.append(UInt8(ascii: "-")) }
            ArrowText.appendClock(micros.magnitude, unboundedHours: true, to: &output)
        case .utf8, .largeUTF8, .utf8View:
            let range = array.valueRange(row)
            if let bad = UTF8Validation.firstInvalid(in: array.body, range) {
                throw Unwritable(message: "the string is not UTF-8 (byte \(bad - range.lowerBound + 1) of it)")
            }
            output.append(contentsOf: array.body[range])
        case .binary, .largeBinary, .binaryView, .fixedSizeBinary:
            output.append(contentsOf: binaryPrefix)
            ArrowText.appendHex(array.body[array.valueRange(row)], to: &output)
        case .list, .largeList, .fixedSizeList, .structure, .map:
            try appendJSON(array, row, to: &output, column: column)
        case .null, .unsupported:
            break
        }
    }

    /// The dictionary values and the index that row `row` of indices `array` refers to.
    func dictionaryValue(_ array: ArrowArray, _ row: Int, _ encoding: ArrowField.Dictionary) throws(Unwritable)
        -> (ArrowArray, Int)
    {
        let raw: Int64
        switch (encoding.indexBitWidth, encoding.indexSigned) {
        case (8, true): raw = Int64(array.element(0, row, as: Int8.self))
        case (8, false): raw = Int64(array.element(0, row, as: UInt8.self))
        case (16, true): raw = Int64(array.element(0, row, as: Int16.self))
        case (16, false): raw = Int64(array.element(0, row, as: UInt16.self))
        case (32, true): raw = Int64(array.element(0, row, as: Int32.self))
        case (32, false): raw = Int64(array.element(0, row, as: UInt32.self))
        default: raw = array.element(0, row, as: Int64.self)
        }
        guard let dictionary = dictionaries[encoding.id] else {
            throw Unwritable(message: "dictionary \(encoding.id) was never sent")
        }
        guard let found = dictionary.value(at: raw) else {
            throw Unwritable(message: "index \(raw) is outside dictionary \(encoding.id) of \(dictionary.count) values")
        }
        return found
    }

    private func appendInteger(_ array: ArrowArray, _ row: Int, bits: Int, signed: Bool, to output: inout [UInt8]) {
        switch (bits, signed) {
        case (8, true): Value.appendInteger(Int64(array.element(0, row, as: Int8.self)), to: &output)
        case (8, false): Value.appendInteger(Int64(array.element(0, row, as: UInt8.self)), to: &output)
        case (16, true): Value.appendInteger(Int64(array.element(0, row, as: Int16.self)), to: &output)
        case (16, false): Value.appendInteger(Int64(array.element(0, row, as: UInt16.self)), to: &output)
        case (32, true): Value.appendInteger(Int64(array.element(0, row, as: Int32.self)), to: &output)
        case (32, false): Value.appendInteger(Int64(array.element(0, row, as: UInt32.self)), to: &output)
        case (_, true): Value.appendInteger(array.element(0, row, as: Int64.self), to: &output)
        default:
            let value = array.element(0, row, as: UInt64.self)
            if let small = Int64(exactly: value) {
                Value.appendInteger(small, to: &output)
            } else {
                output.append(contentsOf: String(value).utf8)
            }
        }
    }

    /// A float in the shortest form that reads back as the same float (`NaN`, `Infinity`, `-0`).
    private func appendFloat(_ value: Float, to output: inout [UInt8]) {
        if value.isNaN || value.isInfinite || value == 0 {
            Value.appendDouble(Double(value), to: &output)
        } else {
            output.append(contentsOf: value.description.utf8)
        }
    }

    /// A decimal's two's-complement integer, written with `scale` digits after the point.
    private func appendDecimal(_ array: ArrowArray, _ row: Int, bits: Int, scale: Int, to output: inout [UInt8]) {
        let start = array.buffers[0].lowerBound + row * (bits / 8)
        var words: [UInt64]
        switch bits {
        case 32: words = [UInt64(bitPattern: Int64(array.load(start, as: Int32.self)))]
        case 64: words = [array.load(start, as: UInt64.self)]
        default: words = (0..<bits / 64).map { array.load(start + $0 * 8, as: UInt64.self) }
        }
        let negative = words[words.count - 1] >> 63 == 1
        if negative {
            // Two's complement: invert and add one.
            var carry = true
            for index in words.indices {
                words[index] = ~words[index]
                if carry {
                    (words[index], carry) = words[index].addingReportingOverflow(1)
                }
            }
        }
        var digits = ArrowText.decimalDigits(words)
        if scale < 0 {
            if digits != [UInt8(ascii: "0")] { digits += repeatElement(UInt8(ascii: "0"), count: -scale) }
        } else if scale > 0 {
            if digits.count <= scale {
                digits = Array(repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1)) + digits
            }
            digits.insert(UInt8(ascii: "."), at: digits.count - scale)
        }
        if negative { output.append(UInt8(ascii: "-")) }
        output.append(contentsOf: digits)
    }

    /// The decimal digits of an unsigned little-endian multi-word integer.
    static func decimalDigits(_ words: [UInt64]) -> [UInt8] {
        var words = words
        var chunks: [UInt64] = []
        let base: UInt64 = 10_000_000_000_000_000_000
        while words.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for index in words.indices.reversed() {
                let (quotient, rest) = base.dividingFullWidth((remainder, words[index]))
                words[index] = quotient
                remainder = rest
            }
            chunks.append(remainder)
        }
        guard let last = chunks.popLast() else { return [UInt8(ascii: "0")] }
        var text = Array(String(last).utf8)
        for chunk in chunks.reversed() {
            let part = Array(String(chunk).utf8)
            text += repeatElement(UInt8(ascii: "0"), count: 19 - part.count)
            text += part
        }
        return text
    }

    private func appendDate(_ days: Int64, to output: inout [UInt8]) throws(Unwritable) {
        guard let date = Int(exactly: days), ArrowText.supportedDays.contains(date) else {
            throw Unwritable(message: "the date lies outside years 1 to 9999")
        }
        ISODateTime.appendDate(date, to: &output)
    }

    private func appendTimestamp(
        _ raw: Int64, _ unit: ArrowType.TimeUnit, zoned: Bool, column: String, to output: inout [UInt8]
    ) throws(Unwritable) {
        if unit == .nanosecond, keepsNanoseconds.contains(column), raw % 1000 != 0 {
            // Whole microseconds, then the three digits a timestamp type cannot hold.
            let micros = ArrowText.floorDivide(raw, 1000)
            try appendTimestamp(micros, .microsecond, zoned: false, column: column, to: &output)
            if micros % 1_000_000 == 0 { output.append(contentsOf: ".000000".utf8) }
            ISODateTime.appendPadded(Int(raw - micros * 1000), width: 3, to: &output)
            if zoned { output.append(contentsOf: "+00".utf8) }
            return
        }
        let micros = try microseconds(raw, unit, column: column)
        let days = ArrowText.floorDivide(micros, Timestamp.microsecondsPerDay)
        guard ArrowText.supportedDays.contains(Int(days)) else {
            throw Unwritable(message: "the timestamp lies outside years 1 to 9999")
        }
        ISODateTime.appendTimestamp(Timestamp(microsecondsSinceEpoch: micros), utcOffset: zoned, to: &output)
    }

    /// `raw` units as microseconds; nanoseconds that are not whole microseconds are refused.
    private func microseconds(_ raw: Int64, _ unit: ArrowType.TimeUnit, column: String) throws(Unwritable) -> Int64 {
        switch unit {
        case .nanosecond:
            guard raw % 1000 == 0 else {
                throw Unwritable(
                    message: "\(raw) ns is finer than the microseconds a warehouse keeps "
                        + "(pin the column to text to keep every digit: --type \(column)=text)")
            }
            return raw / 1000
        case .microsecond:
            return raw
        default:
            let (micros, overflow) = raw.multipliedReportingOverflow(by: 1_000_000 / unit.perSecond)
            guard !overflow else { throw Unwritable(message: "\(raw) \(unit.suffix) is out of range") }
            return micros
        }
    }

    /// `HH:MM:SS[.ffffff]` of a count of microseconds (hours beyond 23 for a duration).
    static func appendClock(_ micros: UInt64, unboundedHours: Bool = false, to output: inout [UInt8]) {
        let seconds = micros / 1_000_000
        ISODateTime.appendPadded(Int(seconds / 3600), width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        ISODateTime.appendPadded(Int(seconds / 60 % 60), width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        ISODateTime.appendPadded(Int(seconds % 60), width: 2, to: &output)
        let fraction = Int(micros % 1_000_000)
        if fraction != 0 {
            output.append(UInt8(ascii: "."))
            ISODateTime.appendPadded(fraction, width: 6, to: &output)
        }
    }

    static func appendClock(_ micros: Int64, to output: inout [UInt8]) {
        appendClock(UInt64(micros), to: &output)
    }

    static func appendHex(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
    }

    static let supportedDays =
        CivilDate.days(year: 1, month: 1, day: 1)...CivilDate.days(year: 9999, month: 12, day: 31)

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// An IEEE 754 half-precision float.
    static func float(half bits: UInt16) -> Float {
        let sign: Float = bits >> 15 == 1 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F)
        let fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

/// A dictionary's values: the batch that set it and the deltas appended since, in order.
struct ArrowDictionary: Sendable {
    private(set) var chunks: [ArrowArray]
    /// The index of each chunk's first value.
    private var starts: [Int]
    private(set) var count: Int

    init(_ values: ArrowArray) {
        chunks = [values]
        starts = [0]
        count = values.length
    }

    mutating func append(_ delta: ArrowArray) {
        chunks.append(delta)
        starts.append(count)
        count += delta.length
    }

    /// The chunk and row holding value `index`.
    func value(at index: Int64) -> (ArrowArray, Int)? {
        guard index >= 0, index < Int64(count) else { return nil }
        let wanted = Int(index)
        // The last chunk starting at or before `wanted`.
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= wanted { low = middle } else { high = middle - 1 }
        }
        return (chunks[low], wanted - starts[low])
    }
}
