/// Writes Arrow values as the staged CSV's text (and nested values as JSON), the forms the
/// warehouse's COPY reads into each column type `ArrowField.columnType` maps to.
struct ArrowText {
    /// Why a value cannot be written.
    struct Unwritable: Error {
        var message: String
        /// Whether pinning the column to text would keep the value (finer than microseconds).
        var textPinKeepsIt = false
    }

    /// The dictionaries of the stream so far, by id.
    var dictionaries: [Int64: ArrowDictionary] = [:]
    /// Written before a binary value's hex digits (`\x` for PostgreSQL's bytea).
    var binaryPrefix: [UInt8]
    /// Whether nanoseconds finer than a microsecond are written out (the column is pinned to
    /// text) rather than refused.
    var keepsNanoseconds: Set<Int> = []

    /// Appends value `row` of `array` (which must be valid there).
    @inline(__always)
    func append(_ array: ArrowArray, _ row: Int, to output: inout [UInt8], column: Int) throws(Unwritable) {
        switch array.kind {
        case .signed(let bytes):
            let value: Int64
            switch bytes {
            case 1: value = Int64(array.element(0, row, as: Int8.self))
            case 2: value = Int64(array.element(0, row, as: Int16.self))
            case 4: value = Int64(array.element(0, row, as: Int32.self))
            default: value = array.element(0, row, as: Int64.self)
            }
            Value.appendInteger(value, to: &output)
        case .unsigned(let bytes):
            switch bytes {
            case 1: Value.appendInteger(Int64(array.element(0, row, as: UInt8.self)), to: &output)
            case 2: Value.appendInteger(Int64(array.element(0, row, as: UInt16.self)), to: &output)
            case 4: Value.appendInteger(Int64(array.element(0, row, as: UInt32.self)), to: &output)
            default:
                Value.appendUnsigned(array.element(0, row, as: UInt64.self), to: &output)
            }
        case .float16: appendFloat(ArrowText.float(half: array.element(0, row, as: UInt16.self)), to: &output)
        case .float32: appendFloat(Float(bitPattern: array.element(0, row, as: UInt32.self)), to: &output)
        case .float64: Value.appendDouble(Double(bitPattern: array.element(0, row, as: UInt64.self)), to: &output)
        case .bool:
            let bit = array.bit(row)
            output.append(contentsOf: bit ? Value.trueBytes : Value.falseBytes)
        case .decimal(let bytes, let precision, let scale):
            try appendDecimal(array, row, bytes: bytes, precision: precision, scale: scale, to: &output)
        case .date32:
            try appendDate(Int64(array.element(0, row, as: Int32.self)), to: &output)
        case .date64:
            try appendDate(ArrowText.floorDivide(array.element(0, row, as: Int64.self), 86_400_000), to: &output)
        case .time(let unit, let bytes):
            let raw = bytes == 4 ? Int64(array.element(0, row, as: Int32.self)) : array.element(0, row, as: Int64.self)
            let micros = try microseconds(raw, unit, column: column)
            guard micros >= 0, micros <= 86_400_000_000 else {
                throw Unwritable(message: "time of day \(raw) \(unit.suffix) is not within one day")
            }
            ArrowText.appendClock(micros.magnitude, to: &output)
        case .timestamp(let unit, let zoned):
            try appendTimestamp(array.element(0, row, as: Int64.self), unit, zoned: zoned, column: column, to: &output)
        case .duration(let unit):
            let micros = try microseconds(array.element(0, row, as: Int64.self), unit, column: column)
            if micros < 0 { output.append(UInt8(ascii: "-")) }
            ArrowText.appendClock(micros.magnitude, unboundedHours: true, to: &output)
        case .string:
            let bytes = array.bytes(array.valueRange(row))
            if let bad = UTF8Validation.firstInvalid(in: bytes, bytes.indices) {
                throw Unwritable(message: "the string is not UTF-8 (byte \(bad + 1) of it)")
            }
            output.append(contentsOf: bytes)
        case .binary:
            output.append(contentsOf: binaryPrefix)
            ArrowText.appendHex(array.bytes(array.valueRange(row)), to: &output)
        case .dictionary(let bits, let signed, let id):
            let (values, index) = try dictionaryValue(array, row, bits: bits, signed: signed, id: id)
            guard values.isValid(index) else { return }
            try append(values, index, to: &output, column: column)
        case .nested:
            try appendJSON(array, row, to: &output, column: column)
        case .null:
            break
        }
    }

    /// Whether row `row` of `array` is NULL: its own bit, or, for dictionary indices, the value's.
    @inline(__always)
    func isNull(_ array: ArrowArray, _ row: Int) throws(Unwritable) -> Bool {
        try value(array, row) == nil
    }

    /// Where the value of row `row` of `array` is (for dictionary indices, in the dictionary), or
    /// nil for NULL; the dictionary is looked up once, for the NULL test and the value alike.
    @inline(__always)
    func value(_ array: ArrowArray, _ row: Int) throws(Unwritable) -> (array: ArrowArray, row: Int)? {
        guard array.isValid(row) else { return nil }
        guard case .dictionary(let bits, let signed, let id) = array.kind else { return (array, row) }
        let (values, index) = try dictionaryValue(array, row, bits: bits, signed: signed, id: id)
        return values.isValid(index) ? (values, index) : nil
    }

    /// The dictionary values and the index that row `row` of indices `array` refers to.
    func dictionaryValue(_ array: ArrowArray, _ row: Int, bits: Int, signed: Bool, id: Int64) throws(Unwritable)
        -> (ArrowArray, Int)
    {
        let raw: Int64
        switch (bits, signed) {
        case (8, true): raw = Int64(array.element(0, row, as: Int8.self))
        case (8, false): raw = Int64(array.element(0, row, as: UInt8.self))
        case (16, true): raw = Int64(array.element(0, row, as: Int16.self))
        case (16, false): raw = Int64(array.element(0, row, as: UInt16.self))
        case (32, true): raw = Int64(array.element(0, row, as: Int32.self))
        case (32, false): raw = Int64(array.element(0, row, as: UInt32.self))
        default: raw = array.element(0, row, as: Int64.self)
        }
        guard let dictionary = dictionaries[id] else {
            throw Unwritable(message: "dictionary \(id) was never sent")
        }
        guard let found = dictionary.value(at: raw) else {
            throw Unwritable(message: "index \(raw) is outside dictionary \(id) of \(dictionary.count) values")
        }
        return found
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
    private func appendDecimal(
        _ array: ArrowArray, _ row: Int, bytes: Int, precision: Int, scale: Int, to output: inout [UInt8]
    ) throws(Unwritable) {
        let start = array.buffers[0].lowerBound + row * bytes
        if bytes <= 8 || Self.fitsInt64(array, start, bytes: bytes) {
            // Most values: the low word holds it all, the rest is its sign.
            let value = bytes == 4 ? Int64(array.load(start, as: Int32.self)) : array.load(start, as: Int64.self)
            // Arrow does not hold values to their declared precision; the column does.
            if precision < 19 && value.magnitude >= Self.powersOfTen[precision] {
                throw Unwritable(message: "the value has more digits than decimal(\(precision), \(scale)) holds")
            }
            Self.appendScaled(value, scale: scale, to: &output)
            return
        }
        var words = (0..<bytes / 8).map { array.load(start + $0 * 8, as: UInt64.self) }
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
        let digits = ArrowText.decimalDigits(words)
        if digits.count > precision {
            throw Unwritable(message: "the value has more digits than decimal(\(precision), \(scale)) holds")
        }
        if negative { output.append(UInt8(ascii: "-")) }
        Self.appendScaledDigits(digits, scale: scale, to: &output)
    }

    /// 10^0 … 10^18.
    static let powersOfTen: [UInt64] = (0..<19).reduce(into: []) { powers, exponent in
        powers.append(exponent == 0 ? 1 : powers[exponent - 1] * 10)
    }

    /// Whether the wide integer at `start` is its low 64 bits sign-extended.
    @inline(__always)
    private static func fitsInt64(_ array: ArrowArray, _ start: Int, bytes: Int) -> Bool {
        let sign: UInt64 = array.load(start, as: Int64.self) < 0 ? .max : 0
        for word in 1..<bytes / 8 where array.load(start + word * 8, as: UInt64.self) != sign { return false }
        return true
    }

    /// `value` × 10^-scale in plain digits, written in place.
    static func appendScaled(_ value: Int64, scale: Int, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        let start = output.count
        Value.appendUnsigned(value.magnitude, to: &output)
        let count = output.count - start
        if scale <= 0 {
            if value != 0 { output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -scale)) }
        } else if count <= scale {
            let zeros = repeatElement(UInt8(ascii: "0"), count: scale - count)
            output.insert(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")] + zeros, at: start)
        } else {
            output.insert(UInt8(ascii: "."), at: output.count - scale)
        }
    }

    /// Unsigned decimal `digits` with the point `scale` places from the right (zeros added for a
    /// negative scale).
    static func appendScaledDigits(_ digits: [UInt8], scale: Int, to output: inout [UInt8]) {
        if scale <= 0 {
            output.append(contentsOf: digits)
            if digits != [UInt8(ascii: "0")] {
                output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -scale))
            }
            return
        }
        if digits.count <= scale {
            output.append(UInt8(ascii: "0"))
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count))
            output.append(contentsOf: digits)
            return
        }
        output.append(contentsOf: digits[..<(digits.count - scale)])
        output.append(UInt8(ascii: "."))
        output.append(contentsOf: digits[(digits.count - scale)...])
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
        _ raw: Int64, _ unit: ArrowType.TimeUnit, zoned: Bool, column: Int, to output: inout [UInt8]
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
        let micros = try microseconds(raw, unit, column: column, pinnable: true)
        let days = ArrowText.floorDivide(micros, Timestamp.microsecondsPerDay)
        guard ArrowText.supportedDays.contains(Int(days)) else {
            throw Unwritable(message: "the timestamp lies outside years 1 to 9999")
        }
        ISODateTime.appendTimestamp(Timestamp(microsecondsSinceEpoch: micros), utcOffset: zoned, to: &output)
    }

    /// `raw` units as microseconds; nanoseconds that are not whole microseconds are refused.
    private func microseconds(_ raw: Int64, _ unit: ArrowType.TimeUnit, column: Int, pinnable: Bool = false)
        throws(Unwritable) -> Int64
    {
        switch unit {
        case .nanosecond:
            guard raw % 1000 == 0 else {
                throw Unwritable(
                    message: "\(raw) ns is finer than the microseconds a warehouse keeps", textPinKeepsIt: pinnable)
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

    static func appendHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to output: inout [UInt8]) {
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
