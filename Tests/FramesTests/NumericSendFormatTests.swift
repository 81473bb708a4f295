import TestSupport
import Testing

@testable import Frames

/// numeric's send format read straight into a decimal128, beside the text numeric_out would print.
struct NumericSendFormatTests {
    /// numeric's send format of `digits` (base 10,000) with `weight`, sign and display scale.
    static func sent(_ digits: [UInt16], weight: Int16, negative: Bool = false, scale: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in [UInt16(digits.count), UInt16(bitPattern: weight), negative ? 0x4000 : 0, scale] + digits {
            bytes += [UInt8(field >> 8), UInt8(field & 0xFF)]
        }
        return bytes
    }

    /// The decimal128 the text path gives: numeric_out's text read by the CSV path's reader.
    static func throughText(_ bytes: [UInt8], scale: Int) -> Int128? {
        var text: [UInt8] = []
        let spelled = bytes.withUnsafeBytes { ArrowFromPostgresBinary.appendNumericText($0, to: &text) }
        guard spelled else { return nil }
        return text.withUnsafeBufferPointer { ArrowColumnBuilder.scaledInteger($0, scale: scale) }
    }

    static func direct(_ bytes: [UInt8], scale: Int) -> Int128? {
        bytes.withUnsafeBytes { raw in
            ArrowFromPostgresBinary.numericParts(raw).flatMap {
                ArrowFromPostgresBinary.scaledInteger($0, scale: scale)
            }
        }
    }

    @Test("20,000 random numerics: the same decimal128, or the same refusal, as through their text")
    func sameAsText() {
        var generator = SeededGenerator(seed: 22)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...6, using: &generator)
            let digits = (0..<count).map { _ in UInt16.random(in: 0..<10_000, using: &generator) }
            let bytes = Self.sent(
                digits, weight: Int16.random(in: -4...8, using: &generator), negative: Bool.random(using: &generator),
                scale: UInt16.random(in: 0...14, using: &generator))
            let scale = Int.random(in: 0...14, using: &generator)
            #expect(Self.direct(bytes, scale: scale) == Self.throughText(bytes, scale: scale), "\(bytes) at \(scale)")
        }
    }

    @Test("extremes: 38 digits fit and 39 do not; NaN, infinities and a finer display scale are refused")
    func extremes() {
        // 9,999…9 (38 nines) at scale 0: digit groups 99 then nine 9999s.
        let nines = Self.sent([99] + Array(repeating: 9999, count: 9), weight: 9, scale: 0)
        #expect(Self.direct(nines, scale: 0) == Int128(String(repeating: "9", count: 38)))
        #expect(Self.direct(Self.sent([999] + Array(repeating: 9999, count: 9), weight: 9, scale: 0), scale: 0) == nil)
        #expect(Self.direct(Self.sent([12, 3400], weight: 0, negative: true, scale: 4), scale: 4) == -123_400)
        #expect(Self.direct(Self.sent([12, 3400], weight: 0, scale: 4), scale: 2) == nil, "display scale 4 > 2")
        for sign: UInt16 in [0xC000, 0xD000, 0xF000] {
            let special: [UInt8] = [0, 0, 0, 0, UInt8(sign >> 8), 0, 0, 0]
            #expect(Self.direct(special, scale: 2) == nil)
        }
        // Not numerics: a digit of 10,000, a count the bytes do not hold, a display scale past 0x3FFF.
        for bytes in [
            Self.sent([10_000], weight: 0, scale: 0), Array(Self.sent([1, 2], weight: 0, scale: 0).dropLast(2)),
            Self.sent([1], weight: 0, scale: 0x4000),
        ] {
            #expect(bytes.withUnsafeBytes { ArrowFromPostgresBinary.numericParts($0) } == nil)
        }
    }
}
