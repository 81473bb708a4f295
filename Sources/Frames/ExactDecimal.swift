/// An exact decimal number kept as its canonical digits (never through `Double`): no leading zeros,
/// no trailing fraction zeros, no sign on zero. `1.50` and `1.5` are the same value.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// True for values below zero.
    public let isNegative: Bool
    /// The digits before the point, without leading zeros ("" for values below one).
    public let integerDigits: String
    /// The digits after the point, without trailing zeros.
    public let fractionDigits: String

    /// Parses `[+-]digits[.digits]`; nil for anything else (exponents, spaces, empty parts).
    public init?(_ text: String) {
        var utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return nil }
        var negative = false
        if utf8[0] == UInt8(ascii: "-") || utf8[0] == UInt8(ascii: "+") {
            negative = utf8[0] == UInt8(ascii: "-")
            utf8.removeFirst()
        }
        let point = utf8.firstIndex(of: UInt8(ascii: "."))
        let whole = point.map { Array(utf8[..<$0]) } ?? utf8
        let fraction = point.map { Array(utf8[($0 + 1)...]) } ?? []
        guard !whole.isEmpty, point == nil || !fraction.isEmpty,
            whole.allSatisfy(ExactDecimal.isDigit), fraction.allSatisfy(ExactDecimal.isDigit)
        else { return nil }
        self.init(negative: negative, integer: whole, fraction: fraction)
    }

    /// The exact value of an integer.
    public init(_ value: Int64) {
        self.init(negative: value < 0, integer: Array(String(value.magnitude).utf8), fraction: [])
    }

    private init(negative: Bool, integer: [UInt8], fraction: [UInt8]) {
        let integerPart = integer.drop { $0 == UInt8(ascii: "0") }
        var fractionPart = fraction[...]
        while fractionPart.last == UInt8(ascii: "0") { fractionPart.removeLast() }
        integerDigits = String(decoding: integerPart, as: UTF8.self)
        fractionDigits = String(decoding: fractionPart, as: UTF8.self)
        isNegative = negative && !(integerPart.isEmpty && fractionPart.isEmpty)
    }

    /// Digits after the point.
    public var scale: Int { fractionDigits.utf8.count }
    /// Significant digits before and after the point (at least 1).
    public var precision: Int { max(1, integerDigits.utf8.count + scale) }

    /// True when `decimal(precision, scale)` holds this value without rounding.
    public func fits(precision: Int, scale: Int) -> Bool {
        self.scale <= scale && integerDigits.utf8.count <= precision - scale
    }

    public var description: String {
        var text = isNegative ? "-" : ""
        text += integerDigits.isEmpty ? "0" : integerDigits
        if !fractionDigits.isEmpty { text += "." + fractionDigits }
        return text
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let magnitudeLess = lhs.magnitudeLess(than: rhs)
        return lhs.isNegative ? (!magnitudeLess && lhs != rhs) : magnitudeLess
    }

    private func magnitudeLess(than other: ExactDecimal) -> Bool {
        if integerDigits.utf8.count != other.integerDigits.utf8.count {
            return integerDigits.utf8.count < other.integerDigits.utf8.count
        }
        if integerDigits != other.integerDigits { return integerDigits < other.integerDigits }
        return fractionDigits < other.fractionDigits
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
