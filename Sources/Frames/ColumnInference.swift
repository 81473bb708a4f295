/// Accumulates what one column's values are, one field at a time, in O(1) per value: the narrowest
/// type on the ladder boolean → smallint → integer → bigint → decimal(p,s) → numeric / double →
/// date → timestamp → timestamptz → json → text that holds every non-NULL value exactly, the longest
/// value in UTF-8 bytes, and NULL counts. A pinned type is checked instead of inferred; a target
/// type (the existing table column's) is checked beside the inference, value by value.
public struct ColumnInference: Sendable, Hashable {
    private enum Family: Sendable, Hashable { case none, boolean, numeric, temporal, json, text }

    /// The first value that did not fit the target type, and where it was.
    public struct Misfit: Sendable, Hashable {
        public var value: String
        public var file: String?
        public var line: Int?
    }

    /// The type the caller fixed for this column, if any.
    public let pinnedType: ColumnType?
    /// The type of the table column these values go into, if the table has one; values are checked
    /// against it (`misfitCount`), and the inference goes on regardless.
    public let targetType: ColumnType?
    private var family = Family.none
    private var minimum: Int64 = 0
    private var maximum: Int64 = 0
    private var sawInteger = false
    private var sawDecimal = false
    private var sawExponent = false
    private var sawSpecial = false
    /// Every number so far reads as a double whose shortest form is the same number.
    private var exactAsDouble = true
    /// The scale every decimal value was written with, while they share one.
    private var commonScale: Int?
    private var mixedScales = false
    private var decimalCount = 0
    private var maxIntegerDigits = 0
    private var maxScale = 0
    private var maxSignificantDigits = 0
    /// 0 date, 1 timestamp, 2 timestamptz.
    private var temporalRung = 0

    /// Non-NULL values seen.
    public private(set) var valueCount = 0
    /// NULLs seen.
    public private(set) var nullCount = 0
    /// The most digits of fractional seconds in a timestamp value.
    public private(set) var maxFractionDigits = 0
    /// The longest non-NULL value, in UTF-8 bytes of its text (Redshift's VARCHAR length).
    public private(set) var maxByteLength = 0
    /// The longest non-NULL value in characters (PostgreSQL's varchar length); for a frame's own
    /// column, its bytes (at least as many).
    public private(set) var maxCharacterLength = 0
    /// Values that did not fit `targetType`.
    public private(set) var misfitCount = 0
    /// The first of them.
    public private(set) var firstMisfit: Misfit?

    /// Significant digits beyond which a decimal column whose values are all exact doubles (and
    /// written with varying scales) is taken for printed doubles.
    static let decimalDigitsOfDoubles = 15

    public init(pinnedType: ColumnType? = nil, targetType: ColumnType? = nil, reading: CopyReading = CopyReading()) {
        self.pinnedType = pinnedType
        self.targetType = targetType
        self.reading = reading
        // A double column takes every finite number: whether the values are exact doubles can
        // decide nothing (only text misfits it), so the round-trip check is skipped.
        checksExactness = targetType != .double
    }

    private let checksExactness: Bool
    /// What the target's COPY reads (exponents into numeric(p,s), infinite dates).
    private let reading: CopyReading

    /// What `observe` made of a value.
    public enum Observed: Sendable, Hashable {
        case accepted
        /// The value does not fit the pinned type and was not counted.
        case refusedByPin
        /// The first value that does not fit the target type: counted, and `firstMisfit` holds
        /// its text (the caller adds where it was with `locateMisfit`).
        case firstTargetMisfit
    }

    /// Records a NULL.
    public mutating func observeNull() {
        nullCount += 1
    }

    /// Records one value's text (UTF-8). Returns false when the column is pinned to a type the
    /// value does not fit exactly; the value is then not counted.
    @discardableResult
    public mutating func observe(_ bytes: ArraySlice<UInt8>) -> Bool {
        observe(bytes: bytes) != .refusedByPin
    }

    /// `observe(_:)` for any view of the value's bytes (the encoder reads them through a pointer).
    @inline(__always)
    mutating func observe<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) -> Observed where Bytes.Index == Int {
        var observed = Observed.accepted
        if let pinnedType {
            guard ColumnInference.fits(bytes, pinnedType) else { return .refusedByPin }
            if pinnedType == .timestamp || pinnedType == .timestamptz { recordFraction(bytes) }
            // The digits decide the decimal type a warehouse without an unconstrained numeric creates.
            if pinnedType == .numeric { recordDigits(bytes) }
            if let targetType, targetType != pinnedType { observed = checkTarget(bytes, targetType) }
        } else {
            if family != .text {
                let observation = ValueClassifier.classify(bytes)
                fold(observation, bytes)
                if let targetType { observed = checkTarget(bytes, targetType, observation) }
            } else if let targetType {
                observed = checkTarget(bytes, targetType)
            }
        }
        valueCount += 1
        measure(bytes)
        return observed
    }

    /// Keeps the longest value's bytes and characters; only a value of more bytes than the
    /// longest has characters can have more characters, so most values are not counted.
    @inline(__always)
    private mutating func measure<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) where Bytes.Index == Int {
        if bytes.count > maxByteLength { maxByteLength = bytes.count }
        if bytes.count > maxCharacterLength {
            // UTF-8 continuation bytes are 10xxxxxx; every other byte starts a character.
            let characters = bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            if characters > maxCharacterLength { maxCharacterLength = characters }
        }
    }

    /// Records a nested JSON value (an object or array of a JSON Lines row) by its length.
    mutating func observeNestedJSON<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) -> Observed
    where Bytes.Index == Int {
        guard pinnedType == nil else { return observe(bytes: bytes) }
        join(.json)
        valueCount += 1
        measure(bytes)
        guard let targetType else { return .accepted }
        return checkTarget(bytes, targetType)
    }

    /// Records a value already known to fit the pinned type (a frame's own column), by its length.
    mutating func observePinned(byteLength: Int) {
        valueCount += 1
        if byteLength > maxByteLength { maxByteLength = byteLength }
        if byteLength > maxCharacterLength { maxCharacterLength = byteLength }
    }

    /// Adds where the first misfit was.
    mutating func locateMisfit(file: String?, line: Int?) {
        firstMisfit?.file = file
        firstMisfit?.line = line
    }

    /// The narrowest type holding every value seen (the pinned type, if pinned); text when the
    /// column held only NULLs.
    public var type: ColumnType {
        if let pinnedType { return pinnedType }
        switch family {
        case .none, .text: return .text
        case .boolean: return .boolean
        case .json: return .json
        case .temporal: return [ColumnType.date, .timestamp, .timestamptz][temporalRung]
        case .numeric: return numericType
        }
    }

    /// True when the column held a NULL.
    public var isNullable: Bool { nullCount > 0 }

    /// True while every value observed has read as a boolean, number, date or timestamp (the last
    /// one too): such a value holds no comma, quote, line end, NUL or edge space.
    var holdsOnlyPlainValues: Bool {
        family == .boolean || family == .numeric || family == .temporal
    }

    /// True when the column's type was inferred (neither pinned nor declared by a frame).
    public var isInferred: Bool { pinnedType == nil }

    /// True when some value of an exact number type was written in exponent notation.
    public var usesExponentNotation: Bool { sawExponent }

    /// True when some number was `NaN` or an infinity.
    public var holdsSpecialValues: Bool { sawSpecial }

    /// The digits an exact decimal type needs: before the point and after it (0 and 0 for columns
    /// of no number).
    public var decimalDigits: (integer: Int, scale: Int) { (maxIntegerDigits, maxScale) }

    /// True when every value fitted `targetType` (and there is one).
    public var fitsTarget: Bool { targetType != nil && misfitCount == 0 }

    private var numericType: ColumnType {
        // NaN and infinities: a double, or a numeric when some value is exact only there.
        if sawSpecial { return exactAsDouble ? .double : .numeric }
        if sawExponent { return exactAsDouble ? .double : .numeric }
        guard sawDecimal else {
            for type in [ColumnType.smallint, .integer, .bigint] {
                if let range = type.integerRange, range.contains(minimum), range.contains(maximum) { return type }
            }
            return maxIntegerDigits <= ColumnType.maximumDecimalPrecision
                ? .decimal(precision: max(1, maxIntegerDigits), scale: 0) : .numeric
        }
        // Printed doubles (scales that vary, more digits than a decimal needs) stay doubles;
        // a fixed scale is money-like, and stays decimal.
        let fixedScale = !mixedScales && decimalCount > 1
        if exactAsDouble && maxSignificantDigits > Self.decimalDigitsOfDoubles && !fixedScale { return .double }
        let precision = maxIntegerDigits + maxScale
        if precision <= ColumnType.maximumDecimalPrecision {
            return .decimal(precision: max(1, precision), scale: maxScale)
        }
        return .numeric
    }

    private mutating func fold<Bytes: RandomAccessCollection<UInt8>>(
        _ observation: ValueClassifier.Observation,
        _ bytes: Bytes
    ) where Bytes.Index == Int {
        switch observation {
        case .text:
            family = .text
        case .boolean:
            join(.boolean)
        case .integer(let value, let shape):
            guard join(.numeric) else { return }
            if !sawInteger || value < minimum { minimum = value }
            if !sawInteger || value > maximum { maximum = value }
            sawInteger = true
            if exactAsDouble && checksExactness && !DoubleExactness.exactIntegers.contains(value) {
                exactAsDouble = DoubleExactness.isExact(bytes)
            }
            record(shape)
        case .decimal(let shape):
            guard join(.numeric) else { return }
            sawDecimal = true
            decimalCount += 1
            if commonScale == nil {
                commonScale = shape.scale
            } else if commonScale != shape.scale {
                mixedScales = true
            }
            if exactAsDouble && checksExactness && !Self.surelyExactAsDouble(shape) {
                exactAsDouble = DoubleExactness.isExact(bytes)
            }
            record(shape)
        case .exponent(let shape):
            guard join(.numeric) else { return }
            sawExponent = true
            if exactAsDouble && checksExactness { exactAsDouble = DoubleExactness.isExact(bytes) }
            record(shape)
        case .special:
            guard join(.numeric) else { return }
            sawSpecial = true
        case .date:
            join(.temporal)
        case .timestamp:
            guard join(.temporal) else { return }
            temporalRung = max(temporalRung, 1)
            recordFraction(bytes)
        case .timestamptz:
            guard join(.temporal) else { return }
            temporalRung = 2
            recordFraction(bytes)
        }
    }

    /// Keeps the digits a number needs before and after the point (a value pinned to numeric).
    private mutating func recordDigits<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) where Bytes.Index == Int {
        switch ValueClassifier.classify(bytes, allowLeadingZeros: true) {
        case .integer(_, let shape), .decimal(let shape):
            record(shape)
        case .exponent(let shape):
            sawExponent = true
            record(shape)
        case .special:
            sawSpecial = true
        default:
            break
        }
    }

    /// Keeps the most fraction digits of a timestamp value.
    private mutating func recordFraction<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes)
    where Bytes.Index == Int {
        maxFractionDigits = max(maxFractionDigits, ISODateTime.fractionDigits(bytes))
    }

    /// A decimal of at most 15 significant digits in the range of normal doubles reads back as
    /// itself (DBL_DIG); others need the check.
    private static func surelyExactAsDouble(_ shape: ValueClassifier.NumberShape) -> Bool {
        let leadingFractionZeros = shape.integerDigits == 0 ? shape.trimmedScale - shape.significantDigits : 0
        return shape.significantDigits <= 15 && shape.integerDigits <= 300 && leadingFractionZeros <= 300
    }

    /// Moves the column into `next`'s family; values of two families only fit text.
    @discardableResult
    private mutating func join(_ next: Family) -> Bool {
        if family == .none { family = next }
        if family != next { family = .text }
        return family == next
    }

    private mutating func record(_ shape: ValueClassifier.NumberShape) {
        maxIntegerDigits = max(maxIntegerDigits, shape.integerDigits)
        maxScale = max(maxScale, shape.scale)
        maxSignificantDigits = max(maxSignificantDigits, shape.significantDigits)
    }

    private mutating func checkTarget<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, _ target: ColumnType, _ observation: ValueClassifier.Observation? = nil
    ) -> Observed where Bytes.Index == Int {
        if ColumnInference.fits(bytes, target, classified: observation, reading: reading) {
            return .accepted
        }
        misfitCount += 1
        guard misfitCount == 1 else { return .accepted }
        firstMisfit = Misfit(value: String(decoding: bytes.prefix(200), as: UTF8.self))
        return .firstTargetMisfit
    }

    /// True when `bytes` spell a value of `type` exactly, as that column's COPY would read it.
    /// `classified` is the value's classification, when the caller has it (leading zeros refused);
    /// `reading`, what the warehouse's COPY takes beyond the common forms (a decimal column `1.5e3`,
    /// then by its exact value; a date or timestamp column `infinity`).
    static func fits<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, _ type: ColumnType,
        classified: ValueClassifier.Observation? = nil,
        reading: CopyReading = CopyReading()
    ) -> Bool
    where Bytes.Index == Int {
        switch type {
        case .text, .json:
            return true
        case .real, .time, .interval, .binary:
            return Value.parse(ArraySlice(bytes), as: type) != nil
        case .date, .timestamp, .timestamptz:
            if reading.datesReadInfinity && ISODateTime.infinity(bytes) != nil { return true }
        case .double:
            // The warehouse refuses a literal that overflows to infinity or underflows to zero; a
            // plain number of at most 300 digits either side of the point does neither.
            switch classified {
            case .integer(_, let shape), .decimal(let shape):
                if shape.integerDigits <= 300 && shape.trimmedScale <= 300 { return true }
            default:
                break
            }
            guard let value = Value.parseFiniteNumber(bytes) ?? Value.parseDouble(bytes) else { return false }
            if value.isInfinite { return ValueClassifier.isSpecialDouble(bytes) }
            if value == 0 {
                let mantissa = bytes.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
                return !mantissa.contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
            }
            return true
        default:
            break
        }
        var observation = classified ?? ValueClassifier.classify(bytes, allowLeadingZeros: true)
        if observation == .text, classified != nil {
            // `007` is text to inference, but an integer column reads it.
            observation = ValueClassifier.classify(bytes, allowLeadingZeros: true)
        }
        switch (type, observation) {
        case (.boolean, .boolean), (.date, .date), (.timestamp, .date), (.timestamp, .timestamp),
            (.timestamptz, .date), (.timestamptz, .timestamp), (.timestamptz, .timestamptz),
            (.numeric, .integer), (.numeric, .decimal), (.numeric, .exponent), (.numeric, .special):
            return true
        case (.smallint, .integer(let value, _)), (.integer, .integer(let value, _)), (.bigint, .integer(let value, _)):
            return type.integerRange?.contains(value) ?? false
        case (.decimal(let precision, let scale), .integer(_, let shape)),
            (.decimal(let precision, let scale), .decimal(let shape)):
            return shape.trimmedScale <= scale && shape.integerDigits <= precision - scale
        case (.decimal(let precision, let scale), .exponent(let shape)):
            return reading.decimalsReadExponents && shape.trimmedScale <= scale
                && shape.integerDigits <= precision - scale
        default:
            return false
        }
    }
}
