import Digest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The text form of values, as the staged CSV carries them and as PostgreSQL's COPY writes them back.
extension Value {
    /// Appends the staged form: `true`/`false`; integers and decimals in plain digits; doubles in
    /// the shortest form that reads back to the same bits (`NaN`, `Infinity`, `-Infinity`, `-0`);
    /// dates `YYYY-MM-DD`; timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`, instants with `+00`; times
    /// and intervals `[-]HH:MM:SS[.ffffff]`; bytes `\x` and hex digits.
    public func appendStagedText(to output: inout [UInt8]) {
        switch self {
        case .boolean(let value):
            output.append(contentsOf: value ? Value.trueBytes : Value.falseBytes)
        case .integer(let value):
            Value.appendInteger(value, to: &output)
        case .decimal(let value):
            output.append(contentsOf: value.description.utf8)
        case .double(let value):
            Value.appendDouble(value, to: &output)
        case .text(let value), .json(let value):
            output.append(contentsOf: value.utf8)
        case .date(let value):
            ISODateTime.appendDate(value.daysSinceEpoch, to: &output)
        case .timestamp(let value):
            ISODateTime.appendTimestamp(value, utcOffset: false, to: &output)
        case .timestamptz(let value):
            ISODateTime.appendTimestamp(value, utcOffset: true, to: &output)
        case .time(let value):
            ArrowText.appendClock(value.magnitude, to: &output)
        case .interval(let value):
            if value < 0 { output.append(UInt8(ascii: "-")) }
            ArrowText.appendClock(value.magnitude, unboundedHours: true, to: &output)
        case .binary(let value):
            output.append(contentsOf: Value.binaryPrefix)
            ArrowText.appendHex(value[...], to: &output)
        }
    }

    /// Written before a binary value's hex digits: PostgreSQL's bytea hex form.
    static let binaryPrefix: [UInt8] = Array("\\x".utf8)

    /// The value of `text` as a `type` column holds it, or nil when it is not a valid, exact
    /// spelling of such a value (an integer out of range, a decimal that would be rounded, …).
    public static func parse(_ text: ArraySlice<UInt8>, as type: ColumnType) -> Value? {
        switch type {
        case .text:
            return .text(String(decoding: text, as: UTF8.self))
        case .json:
            return .json(String(decoding: text, as: UTF8.self))
        case .boolean:
            // `t`/`f` is how PostgreSQL's COPY TO and Redshift's UNLOAD write booleans.
            if ValueClassifier.matchesLowercased(text, "t") { return .boolean(true) }
            if ValueClassifier.matchesLowercased(text, "f") { return .boolean(false) }
            switch ValueClassifier.classify(text) {
            case .boolean(let value): return .boolean(value)
            default: return nil
            }
        case .smallint, .integer, .bigint:
            guard case .integer(let value, _) = ValueClassifier.classify(text, allowLeadingZeros: true),
                type.integerRange?.contains(value) == true
            else { return nil }
            return .integer(value)
        case .decimal(let precision, let scale):
            guard let value = ExactDecimal(String(decoding: text, as: UTF8.self)),
                value.fits(precision: precision, scale: scale)
            else { return nil }
            return .decimal(value)
        case .numeric:
            return ExactDecimal(String(decoding: text, as: UTF8.self)).map(Value.decimal)
        case .double:
            return parseDouble(text).map { .double($0) }
        case .real:
            // Rounded to the nearest float, as the column does; only a value beyond every float fails.
            guard let value = parseDouble(text), value.isNaN || value.isInfinite || Float(value).isFinite else {
                return nil
            }
            return .double(Double(Float(value)))
        case .time:
            return ClockText.parse(text, allowsDays: false).map(Value.time)
        case .interval:
            return ClockText.parse(text, allowsDays: true).map(Value.interval)
        case .binary:
            // `\x` and hex digits (PostgreSQL's bytea), or the digits alone (Redshift's VARBYTE).
            let digits = text.starts(with: binaryPrefix) ? text.dropFirst(2) : text
            return Hex.decode(digits).map(Value.binary)
        case .date:
            guard let parsed = ISODateTime.parse(text), parsed.kind == .date else { return nil }
            return .date(CivilDate(daysSinceEpoch: parsed.days))
        case .timestamp:
            guard let parsed = ISODateTime.parse(text), parsed.kind != .timestamptz else { return nil }
            return .timestamp(Timestamp(microsecondsSinceEpoch: parsed.microsecondsSinceEpoch))
        case .timestamptz:
            guard let parsed = ISODateTime.parse(text) else { return nil }
            return .timestamptz(Timestamp(microsecondsSinceEpoch: parsed.microsecondsSinceEpoch))
        }
    }

    /// A double in decimal or exponent notation, or `NaN`/`Infinity`/`-Infinity` in any case; nil for
    /// hexadecimal forms, spaces, and finite spellings out of range.
    static func parseDouble<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> Double? {
        let string = String(decoding: text, as: UTF8.self)
        switch string.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "infinity", "+infinity", "inf", "+inf": return .infinity
        case "-infinity", "-inf": return -.infinity
        default: break
        }
        guard text.allSatisfy({ isDecimalNumberByte($0) }), let value = Double(string), value.isFinite else {
            return nil
        }
        return value
    }

    /// A finite number in decimal or exponent notation (no `NaN` or `Infinity` spellings), read
    /// without building a `String`; nil when it overflows.
    static func parseFiniteNumber<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> Double? {
        guard text.count < 128 else { return parseDouble(text) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double? in
            var index = 0
            for byte in text {
                guard isDecimalNumberByte(byte) else { return nil }
                buffer[index] = CChar(bitPattern: byte)
                index += 1
            }
            buffer[index] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard end == buffer.baseAddress! + index, value.isFinite else { return nil }
            return value
        }
    }

    static func isDecimalNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default: false
        }
    }

    static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        appendUnsigned(value.magnitude, to: &output)
    }

    /// The decimal digits of `value`, written in place.
    static func appendUnsigned(_ value: UInt64, to output: inout [UInt8]) {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var index = output.count - 1
        var remaining = value
        repeat {
            output[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            index -= 1
        } while remaining > 0
    }

    static func appendDouble(_ value: Double, to output: inout [UInt8]) {
        if value.isNaN {
            output.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            output.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8)
        } else if value == 0 {
            output.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8)
        } else {
            output.append(contentsOf: value.description.utf8)
        }
    }

    static let trueBytes: [UInt8] = Array("true".utf8)
    static let falseBytes: [UInt8] = Array("false".utf8)
}
