/// Accumulates what one column's values are, one field at a time, in O(1) per value: the narrowest
/// type on the ladder boolean → smallint → integer → bigint → decimal(p,s) → double → date →
/// timestamp → timestamptz → text that holds every non-NULL value exactly, the longest value in
/// UTF-8 bytes, and NULL counts. A pinned type is checked instead of inferred.
public struct ColumnInference: Sendable, Hashable {
    private enum Family: Sendable, Hashable { case none, boolean, numeric, temporal, text }

    /// The type the caller fixed for this column, if any.
    public let pinnedType: ColumnType?
    private var family = Family.none
    private var minimum: Int64 = 0
    private var maximum: Int64 = 0
    private var sawInteger = false
    private var sawDecimal = false
    private var sawDouble = false
    private var maxIntegerDigits = 0
    private var maxScale = 0
    private var maxSignificantDigits = 0
    /// 0 date, 1 timestamp, 2 timestamptz.
    private var temporalRung = 0

    /// Non-NULL values seen.
    public private(set) var valueCount = 0
    /// NULLs seen.
    public private(set) var nullCount = 0
    /// The longest non-NULL value, in UTF-8 bytes of its text (Redshift's VARCHAR length).
    public private(set) var maxByteLength = 0

    /// The largest number of significant digits a double keeps exactly through text and back.
    static let exactDoubleDigits = 15

    public init(pinnedType: ColumnType? = nil) {
        self.pinnedType = pinnedType
    }

    /// Records a NULL.
    public mutating func observeNull() {
        nullCount += 1
    }

    /// Records one value's text (UTF-8). Returns false when the column is pinned to a type the
    /// value does not fit exactly; the value is then not counted.
    @discardableResult
    public mutating func observe(_ bytes: ArraySlice<UInt8>) -> Bool {
        observe(bytes: bytes)
    }

    /// `observe(_:)` for any view of the value's bytes (the encoder reads them through a pointer).
    @inline(__always)
    mutating func observe<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) -> Bool where Bytes.Index == Int {
        if let pinnedType {
            guard ColumnInference.fits(bytes, pinnedType) else { return false }
        } else if family != .text {
            fold(ValueClassifier.classify(bytes))
        }
        valueCount += 1
        if bytes.count > maxByteLength { maxByteLength = bytes.count }
        return true
    }

    /// Records a value already known to fit the pinned type (a frame's own column), by its length.
    mutating func observePinned(byteLength: Int) {
        valueCount += 1
        if byteLength > maxByteLength { maxByteLength = byteLength }
    }

    /// The narrowest type holding every value seen (the pinned type, if pinned); text when the
    /// column held only NULLs.
    public var type: ColumnType {
        if let pinnedType { return pinnedType }
        switch family {
        case .none, .text: return .text
        case .boolean: return .boolean
        case .temporal: return [ColumnType.date, .timestamp, .timestamptz][temporalRung]
        case .numeric: return numericType
        }
    }

    /// True when the column held a NULL.
    public var isNullable: Bool { nullCount > 0 }

    private var numericType: ColumnType {
        let exactAsDouble = maxSignificantDigits <= ColumnInference.exactDoubleDigits
        if sawDouble { return exactAsDouble ? .double : .text }
        if sawDecimal {
            let precision = maxIntegerDigits + maxScale
            if precision <= ColumnType.maximumDecimalPrecision {
                return .decimal(precision: max(1, precision), scale: maxScale)
            }
            return exactAsDouble ? .double : .text
        }
        for type in [ColumnType.smallint, .integer] {
            if let range = type.integerRange, range.contains(minimum), range.contains(maximum) { return type }
        }
        return .bigint
    }

    private mutating func fold(_ observation: ValueClassifier.Observation) {
        switch observation {
        case .text:
            family = .text
        case .boolean:
            join(.boolean)
        case let .integer(value, shape):
            guard join(.numeric) else { return }
            if !sawInteger || value < minimum { minimum = value }
            if !sawInteger || value > maximum { maximum = value }
            sawInteger = true
            record(shape)
        case let .decimal(shape):
            guard join(.numeric) else { return }
            sawDecimal = true
            record(shape)
        case let .double(significantDigits):
            guard join(.numeric) else { return }
            sawDouble = true
            maxSignificantDigits = max(maxSignificantDigits, significantDigits)
        case .date:
            join(.temporal)
        case .timestamp:
            guard join(.temporal) else { return }
            temporalRung = max(temporalRung, 1)
        case .timestamptz:
            guard join(.temporal) else { return }
            temporalRung = 2
        }
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

    /// True when `bytes` spell a value of `type` exactly, as that column's COPY would read it.
    static func fits<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ type: ColumnType) -> Bool where Bytes.Index == Int {
        switch type {
        case .text, .json:
            return true
        case .double:
            // The warehouse refuses a literal that overflows to infinity or underflows to zero.
            guard let value = Value.parseDouble(bytes) else { return false }
            if value.isInfinite { return ValueClassifier.isSpecialDouble(bytes) }
            if value == 0 {
                let mantissa = bytes.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
                return !mantissa.contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
            }
            return true
        default:
            break
        }
        let observation = ValueClassifier.classify(bytes, allowLeadingZeros: true)
        switch (type, observation) {
        case (.boolean, .boolean), (.date, .date), (.timestamp, .date), (.timestamp, .timestamp),
             (.timestamptz, .date), (.timestamptz, .timestamp), (.timestamptz, .timestamptz):
            return true
        case let (.smallint, .integer(value, _)), let (.integer, .integer(value, _)), let (.bigint, .integer(value, _)):
            return type.integerRange?.contains(value) ?? false
        case let (.decimal(precision, scale), .integer(_, shape)), let (.decimal(precision, scale), .decimal(shape)):
            return shape.trimmedScale <= scale && shape.integerDigits <= precision - scale
        default:
            return false
        }
    }
}
