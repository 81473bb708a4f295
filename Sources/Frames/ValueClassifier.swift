/// What one field's text is, read from its UTF-8 bytes without allocating: the narrowest kind of
/// value that spells it exactly.
enum ValueClassifier {
    /// The shape of an exact number: digits before the point (without leading zeros), digits after
    /// it as written and without trailing zeros, and significant digits.
    struct NumberShape: Sendable, Hashable {
        var integerDigits: Int { Int(storedIntegerDigits) }
        var scale: Int { Int(storedScale) }
        var trimmedScale: Int { Int(storedTrimmedScale) }
        var significantDigits: Int { Int(storedSignificantDigits) }
        // Kept in 32 bits, so that an `Observation` is small enough to be returned in registers
        // (returned through memory, it was read back before its stores had landed: a stall per value).
        private let storedIntegerDigits: Int32
        private let storedScale: Int32
        private let storedTrimmedScale: Int32
        private let storedSignificantDigits: Int32

        init(integerDigits: Int, scale: Int, trimmedScale: Int, significantDigits: Int) {
            storedIntegerDigits = Int32(clamping: integerDigits)
            storedScale = Int32(clamping: scale)
            storedTrimmedScale = Int32(clamping: trimmedScale)
            storedSignificantDigits = Int32(clamping: significantDigits)
        }
    }

    enum Observation: Sendable, Hashable {
        case text
        case boolean(Bool)
        /// An integer that fits in 64 bits.
        case integer(Int64, NumberShape)
        /// An exact number with a fraction, or an integer beyond 64 bits.
        case decimal(NumberShape)
        /// A number in exponent notation, with the shape of its exact value (`1.5e3`: four integer
        /// digits, no scale); it may lie beyond a double's range.
        case exponent(NumberShape)
        /// `NaN`, `Infinity` or `-Infinity`: only a double holds them.
        case special
        case date
        case timestamp
        case timestamptz
    }

    /// Classifies `bytes`. Integers with leading zeros (`007`) are text unless `allowLeadingZeros`.
    static func classify<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, allowLeadingZeros: Bool = false)
        -> Observation where Bytes.Index == Int
    {
        guard let first = bytes.first else { return .text }
        switch first {
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            return classifyBoolean(bytes)
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "i"), UInt8(ascii: "I"):
            return isSpecialDouble(bytes) ? .special : .text
        default:
            break
        }
        if bytes.count >= 10 && bytes[bytes.startIndex + 4] == UInt8(ascii: "-") {
            guard let kind = ISODateTime.kind(of: bytes) else { return .text }
            switch kind {
            case .date: return .date
            case .timestamp: return .timestamp
            case .timestamptz: return .timestamptz
            }
        }
        return classifyNumber(bytes, allowLeadingZeros: allowLeadingZeros)
    }

    private static func classifyBoolean<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Observation
    where Bytes.Index == Int {
        if matchesLowercased(bytes, "true") { return .boolean(true) }
        if matchesLowercased(bytes, "false") { return .boolean(false) }
        return .text
    }

    private static func classifyNumber<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, allowLeadingZeros: Bool)
        -> Observation where Bytes.Index == Int
    {
        var index = bytes.startIndex
        let end = bytes.endIndex
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
            if index < end && (bytes[index] == UInt8(ascii: "I") || bytes[index] == UInt8(ascii: "i")) {
                return isSpecialDouble(bytes) ? .special : .text
            }
        }
        let integerStart = index
        var leadingZeros = 0
        var significantInteger = 0
        // Accumulate the negative of the value, so that Int64.min fits.
        var negated: Int64 = 0
        var overflow = false
        while index < end, let digit = digit(bytes[index]) {
            if significantInteger == 0 && digit == 0 {
                leadingZeros += 1
            } else {
                significantInteger += 1
            }
            if !overflow {
                let (times, o1) = negated.multipliedReportingOverflow(by: 10)
                let (minus, o2) = times.subtractingReportingOverflow(Int64(digit))
                overflow = o1 || o2
                negated = minus
            }
            index += 1
        }
        let integerDigitCount = index - integerStart
        guard integerDigitCount > 0 else { return .text }
        if integerDigitCount > 1 && bytes[integerStart] == UInt8(ascii: "0") && !allowLeadingZeros {
            return .text
        }
        if index == end {
            let shape = NumberShape(
                integerDigits: significantInteger, scale: 0, trimmedScale: 0,
                significantDigits: max(1, significantInteger))
            if !overflow {
                if !negative {
                    let (value, o) = Int64(0).subtractingReportingOverflow(negated)
                    if !o { return .integer(value, shape) }
                } else {
                    return .integer(negated, shape)
                }
            }
            return .decimal(shape)
        }
        var scale = 0
        var trimmedScale = 0
        var fractionLeadingZeros = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, let digit = digit(bytes[index]) {
                scale += 1
                if digit != 0 { trimmedScale = scale }
                if digit == 0 && trimmedScale == 0 { fractionLeadingZeros += 1 }
                index += 1
            }
            guard scale > 0 else { return .text }
            if index == end {
                let significant =
                    significantInteger > 0
                    ? significantInteger + scale
                    : max(1, scale - fractionLeadingZeros)
                return .decimal(
                    NumberShape(
                        integerDigits: significantInteger, scale: scale,
                        trimmedScale: trimmedScale, significantDigits: significant))
            }
        }
        guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return .text }
        index += 1
        if index < end && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) { index += 1 }
        let exponentStart = index
        var exponentValue = 0
        while index < end, let digit = digit(bytes[index]) {
            exponentValue = min(exponentValue * 10 + digit, 1_000_000)
            index += 1
        }
        if bytes[exponentStart - 1] == UInt8(ascii: "-") { exponentValue = -exponentValue }
        guard index > exponentStart, index == end else { return .text }
        // A value beyond a double's range (`1e400`, `1e-400`) is still an exact number: a double
        // column refuses it (`fits`), a numeric holds it.
        // The exact value's shape: `mantissaDigits` significant digits, the first at `pointPosition`.
        let mantissaDigits =
            significantInteger > 0
            ? significantInteger + trimmedScale
            : max(0, trimmedScale - fractionLeadingZeros)
        guard mantissaDigits > 0 else {
            return .exponent(NumberShape(integerDigits: 0, scale: 0, trimmedScale: 0, significantDigits: 1))
        }
        let pointPosition = (significantInteger > 0 ? significantInteger : -fractionLeadingZeros) + exponentValue
        let exactScale = max(0, mantissaDigits - pointPosition)
        return .exponent(
            NumberShape(
                integerDigits: max(0, pointPosition), scale: exactScale, trimmedScale: exactScale,
                significantDigits: mantissaDigits))
    }

    static func isSpecialDouble<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            return matchesLowercased(bytes.dropFirst(), "infinity")
        }
        return matchesLowercased(bytes, "nan") || matchesLowercased(bytes, "infinity")
    }

    /// True when `bytes`, ASCII-lowercased, equal `word` (lowercase ASCII).
    static func matchesLowercased<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ word: StaticString) -> Bool
    where Bytes.Index == Int {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        var index = bytes.startIndex
        for offset in 0..<word.utf8CodeUnitCount {
            let byte = bytes[index]
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lowered == wordByte(word, offset) else { return false }
            index += 1
        }
        return true
    }

    /// True when `bytes` equal `word` exactly.
    static func matchesExactly(_ bytes: ArraySlice<UInt8>, _ word: StaticString) -> Bool {
        bytes.count == word.utf8CodeUnitCount && bytes.elementsEqual(word.withUTF8Buffer { Array($0) })
    }

    private static func wordByte(_ word: StaticString, _ offset: Int) -> UInt8 {
        word.withUTF8Buffer { $0[offset] }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte &- UInt8(ascii: "0")) : nil
    }
}
