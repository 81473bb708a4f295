/// Whether a number's text names exactly the double it parses to: the double's shortest round-trip
/// form is the same number. Python, JavaScript, Go and Java print doubles that way, with up to 17
/// significant digits, so their output passes whatever its number of digits.
enum DoubleExactness {
    /// True when `bytes` (decimal or exponent notation) read as a finite double whose shortest
    /// form is numerically equal to them.
    static func isExact<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        guard let value = Value.parseDouble(bytes), value.isFinite, let given = DecimalForm(bytes) else { return false }
        // `description` is the shortest text that reads back to the same bits.
        return DecimalForm(value.description.utf8) == given
    }

    /// The integers a double holds exactly, without looking at their text.
    static let exactIntegers: ClosedRange<Int64> = -(1 << 53)...(1 << 53)
}

/// A number as `0.digits × 10^exponent`, digits without leading or trailing zeros (none for zero),
/// so that two spellings of one number compare equal.
struct DecimalForm: Equatable {
    var isNegative = false
    var digits: [UInt8] = []
    var exponent = 0

    /// Reads `[+-]digits[.digits][e[+-]digits]`; nil for anything else.
    init?<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        var index = bytes.startIndex
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            isNegative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        var pointPosition = 0
        var sawPoint = false
        var sawDigit = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                if digits.isEmpty && byte == UInt8(ascii: "0") {
                    if sawPoint { pointPosition -= 1 }
                } else {
                    digits.append(byte)
                    if !sawPoint { pointPosition += 1 }
                }
            } else {
                break
            }
            index = bytes.index(after: index)
        }
        guard sawDigit else { return nil }
        if index < bytes.endIndex {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return nil }
            index = bytes.index(after: index)
            var negativeExponent = false
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index = bytes.index(after: index)
            }
            var written = 0
            var exponentDigits = 0
            while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                // Far beyond any double's range; clamping keeps the arithmetic in bounds.
                written = min(written * 10 + Int(bytes[index] - UInt8(ascii: "0")), 1_000_000)
                exponentDigits += 1
                index = bytes.index(after: index)
            }
            guard exponentDigits > 0, index == bytes.endIndex else { return nil }
            pointPosition += negativeExponent ? -written : written
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        exponent = digits.isEmpty ? 0 : pointPosition
    }
}
