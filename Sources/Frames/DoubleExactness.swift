/// Whether a number's text names exactly the double it parses to: the double's shortest round-trip
/// form is the same number. Python, JavaScript, Go and Java print doubles that way, with up to 17
/// significant digits, so their output passes whatever its number of digits.
enum DoubleExactness {
    /// True when `bytes` (decimal or exponent notation) read as a finite double whose shortest
    /// form is numerically equal to them.
    static func isExact<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        guard let given = DecimalForm(bytes), let value = given.exactDouble ?? Value.parseFiniteNumber(bytes) else {
            return false
        }
        if let decided = isShortest(given, of: value) { return decided }
        return isShortestByPrinting(given, bytes, of: value)
    }

    /// `isExact` by printing `value`'s shortest form and comparing it with `given` (its text
    /// `bytes`): the reference the arithmetic of `isShortest` is tested against.
    static func isShortestByPrinting<Bytes: RandomAccessCollection<UInt8>>(
        _ given: DecimalForm, _ bytes: Bytes, of value: Double
    ) -> Bool where Bytes.Index == Int {
        // `description` is the shortest text that reads back to the same bits; it is read through
        // its contiguous UTF-8 (a generic walk over `String.UTF8View` costs more than the printing).
        // Python and Swift print most doubles alike: the same bytes need no second parse.
        var shortest = value.description
        return shortest.withUTF8 { text in
            (text.count == bytes.count && text.elementsEqual(bytes)) || DecimalForm(text) == given
        }
    }

    /// Whether `given`, which reads as `value`, is `value`'s shortest round-trip form (the fewest
    /// significant digits that read back as `value`, and of those the nearest to it), decided in
    /// 128-bit integers without printing; nil where that takes wider numbers or a boundary case
    /// (a power of two, a tie, a neighbour at a power of ten), for printing to decide.
    ///
    /// With `given` as m × 10^p (m of n digits, the last nonzero) and `value` as M × 2^E, it is the
    /// shortest form when it is the nearest n-digit number (|d − x| below half of 10^p) and no
    /// number of n − 1 digits reads as `value`: neither multiple of 10^(p+1) beside it lies within
    /// half an ulp (2^(E−1)) of `value`. Every quantity is scaled by 2^a × 10^b to an integer.
    static func isShortest(_ given: DecimalForm, of value: Double) -> Bool? {
        let magnitude = value.magnitude
        guard magnitude.isNormal, magnitude.significandBitPattern != 0, given.significand != 0 else { return nil }
        let digits = given.significand
        if given.digitCount == 1 { return true }
        // Beside a power of ten the neighbours have other spacings.
        let lowNeighbour = digits - digits % 10
        let tenToThe = DecimalForm.integerPowersOfTen
        guard given.digitCount < 19, UInt128(lowNeighbour) != tenToThe[given.digitCount - 1],
            UInt128(digits) < tenToThe[given.digitCount] - 10
        else { return nil }
        let power = given.exponent - given.digitCount
        let binaryExponent = Int(magnitude.exponent) - 52
        let twos = binaryExponent < 1 ? 1 - binaryExponent : 0
        let tens = power < 0 ? -power : 0
        guard power + tens < tenToThe.count, tens < tenToThe.count else { return nil }
        // 10^p and 2^(E−1) scaled: the spacing of n-digit numbers and half an ulp.
        guard let spacing = scaled(tenToThe[power + tens], twos: twos, tens: 0),
            spacing.leadingZeroBitCount > 4,
            let halfUlp = scaled(1, twos: binaryExponent + twos - 1, tens: tens),
            let x = scaled(UInt128(magnitude.significandBitPattern | 1 << 52), twos: binaryExponent + twos, tens: tens),
            let d = product(UInt128(digits), spacing),
            let low = product(UInt128(lowNeighbour), spacing)
        else { return nil }
        let (high, past) = low.addingReportingOverflow(10 * spacing)
        let offset = d > x ? d - x : x - d
        guard !past, offset.leadingZeroBitCount > 1 else { return nil }
        guard 2 * offset < spacing else { return 2 * offset == spacing ? nil : false }
        // Within half of 10^p of d, x lies strictly between its neighbours.
        let toLow = x - low
        let toHigh = high - x
        guard toLow != halfUlp, toHigh != halfUlp else { return nil }
        return toLow > halfUlp && toHigh > halfUlp
    }

    private static func product(_ left: UInt128, _ right: UInt128) -> UInt128? {
        let (value, overflow) = left.multipliedReportingOverflow(by: right)
        return overflow ? nil : value
    }

    /// `value × 2^twos × 10^tens`, nil when it does not fit 128 bits.
    private static func scaled(_ value: UInt128, twos: Int, tens: Int) -> UInt128? {
        guard twos >= 0, twos < 128, value.leadingZeroBitCount > twos else { return nil }
        return product(value << twos, DecimalForm.integerPowersOfTen[tens])
    }

    /// The integers a double holds exactly, without looking at their text.
    static let exactIntegers: ClosedRange<Int64> = -(1 << 53)...(1 << 53)
}

/// A number as `0.digits × 10^exponent`, its digits without leading or trailing zeros (none for
/// zero) kept as one integer, so that two spellings of one number compare equal without
/// allocating. Numbers of more than 19 significant digits are not kept (nil): no shortest double
/// form has more than 17.
struct DecimalForm: Equatable {
    var isNegative = false
    var significand: UInt64 = 0
    var digitCount = 0
    var exponent = 0

    /// Reads `[+-]digits[.digits][e[+-]digits]`; nil for anything else, or for more than 19
    /// significant digits.
    init?<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if let read = bytes.withContiguousStorageIfAvailable({ Self.reading(contiguous: $0) }), let form = read {
            self = form
            return
        }
        self.init(reading: bytes)
    }

    init() {}

    /// `init?(_:)` over bytes in memory when they hold at most 19 digits after the leading zeros
    /// (every number a double prints): the digits taken as one integer, trailing zeros divided
    /// out at the end. Nil when the bytes are anything else, for the general reader to decide.
    private static func reading(contiguous text: UnsafeBufferPointer<UInt8>) -> DecimalForm? {
        let count = text.count
        var index = 0
        var form = DecimalForm()
        if count > 0 && (text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+")) {
            form.isNegative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        let digitsStart = index
        while index < count && text[index] == UInt8(ascii: "0") { index += 1 }
        var value: UInt64 = 0
        var digits = 0
        /// Takes the digits from `index` on into `value`.
        func takeDigits() {
            while index < count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                value = value &* 10 &+ UInt64(digit)
                digits += 1
                index += 1
            }
        }
        takeDigits()
        var pointPosition = digits
        var sawDigit = index > digitsStart
        if index < count && text[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            if digits == 0 {
                while index < count && text[index] == UInt8(ascii: "0") { index += 1 }
                pointPosition = fractionStart - index
            }
            takeDigits()
            sawDigit = sawDigit || index > fractionStart
        }
        // Past 19 digits the integer has wrapped: the general reader counts trailing zeros.
        guard sawDigit, digits <= 19 else { return nil }
        if index < count {
            guard text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") else { return nil }
            index += 1
            var negativeExponent = false
            if index < count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
                negativeExponent = text[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var written = 0
            while index < count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                // Far beyond any double's range; clamping keeps the arithmetic in bounds.
                written = min(written * 10 + Int(digit), 1_000_000)
                index += 1
            }
            guard index > exponentStart else { return nil }
            pointPosition += negativeExponent ? -written : written
        }
        guard value != 0 else { return form }
        while value % 10 == 0 {
            value /= 10
            digits -= 1
        }
        form.significand = value
        form.digitCount = digits
        form.exponent = pointPosition
        return form
    }

    /// `init?(_:)` for any collection, a byte at a time.
    private init?<Bytes: Collection<UInt8>>(reading bytes: Bytes) {
        var index = bytes.startIndex
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            isNegative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        var pointPosition = 0
        var sawPoint = false
        var sawDigit = false
        // Zeros after the last nonzero digit, not yet known to be trailing.
        var pendingZeros = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                if digitCount == 0 && byte == UInt8(ascii: "0") {
                    if sawPoint { pointPosition -= 1 }
                } else {
                    if !sawPoint { pointPosition += 1 }
                    if byte == UInt8(ascii: "0") {
                        pendingZeros += 1
                    } else {
                        guard digitCount + pendingZeros + 1 <= 19 else { return nil }
                        for _ in 0..<pendingZeros { significand *= 10 }
                        significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                        digitCount += pendingZeros + 1
                        pendingZeros = 0
                    }
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
        exponent = digitCount == 0 ? 0 : pointPosition
    }

    /// The double nearest the number when it can be had without `strtod`: a significand of at most
    /// 2^53 times or divided by a power of ten up to 10^22 is one exact IEEE operation (Clinger's
    /// fast path); a longer one (Python's 17-digit floats) with a power up to 10^19 is rounded from
    /// its exact quotient in 128-bit integers. Nil otherwise, for `strtod` to decide.
    var exactDouble: Double? {
        let power = exponent - digitCount
        if significand <= 1 << 53, abs(power) <= 22 {
            let magnitude =
                power >= 0
                ? Double(significand) * Self.powersOfTen[power]
                : Double(significand) / Self.powersOfTen[-power]
            return isNegative ? -magnitude : magnitude
        }
        guard abs(power) <= 19 else { return nil }
        let magnitude = Self.rounded(significand, timesTenToThe: power)
        return isNegative ? -magnitude : magnitude
    }

    /// `value × 10^power` (|power| ≤ 19, `value` above 2^53) correctly rounded to a double: the
    /// exact product, or a quotient of at least 64 bits and whether a remainder was left, cut to 53
    /// bits with ties to even.
    private static func rounded(_ value: UInt64, timesTenToThe power: Int) -> Double {
        var scaled: UInt128
        var binaryExponent = 0
        var inexact = false
        if power >= 0 {
            scaled = UInt128(value) * Self.integerPowersOfTen[power]
        } else {
            // The dividend's top bit at 127, so that the quotient keeps at least 64 bits.
            let shift = value.leadingZeroBitCount + 64
            let (quotient, remainder) = (UInt128(value) << shift).quotientAndRemainder(
                dividingBy: Self.integerPowersOfTen[-power])
            scaled = quotient
            binaryExponent = -shift
            inexact = remainder != 0
        }
        // Above 2^53 (a product) or of 64 bits at least (a quotient): bits to drop, always some.
        let dropped = 128 - scaled.leadingZeroBitCount - 53
        var mantissa = scaled >> dropped
        let rest = scaled & ((1 << dropped) - 1)
        let half: UInt128 = 1 << (dropped - 1)
        if rest > half || (rest == half && (inexact || mantissa & 1 == 1)) { mantissa += 1 }
        return Double(
            sign: .plus, exponent: binaryExponent + dropped, significand: Double(UInt64(truncatingIfNeeded: mantissa)))
    }

    /// 10^0 ... 10^19.
    fileprivate static let integerPowersOfTen: [UInt128] = (0...19).map { exponent in
        (0..<exponent).reduce(UInt128(1)) { product, _ in product * 10 }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }
}
