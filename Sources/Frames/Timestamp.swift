/// A date and time of day to the microsecond. For `timestamp` columns it is wall-clock time; for
/// `timestamptz` columns it is the instant, counted in UTC (the offset it was written with is not kept,
/// as neither PostgreSQL nor Redshift keeps it).
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Microseconds since 1970-01-01 00:00:00 (UTC for instants).
    public let microsecondsSinceEpoch: Int64

    public static let microsecondsPerDay: Int64 = 86_400_000_000

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The wall-clock time on `date` at the given time of day; nil if out of range.
    public init?(date: CivilDate, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
            (0..<1_000_000).contains(microsecond)
        else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        microsecondsSinceEpoch = seconds * 1_000_000 + Int64(microsecond)
    }

    /// Parses `YYYY-MM-DD[ |T]HH:MM:SS[.ffffff]` and, when `instant`, an optional `Z`/`±hh[:mm]`
    /// offset (converted to UTC). A bare date is midnight.
    public init?(_ text: String, instant: Bool = false) {
        let bytes = Array(text.utf8)
        guard let parsed = ISODateTime.parse(bytes[...]) else { return nil }
        if parsed.kind == .timestamptz && !instant { return nil }
        microsecondsSinceEpoch = parsed.microsecondsSinceEpoch
    }

    /// Parses the same forms, keeping the wall clock as written and ignoring any offset, as
    /// PostgreSQL's cast of such text to `timestamp` does.
    public init?(wallClock text: String) {
        guard let parsed = ISODateTime.parse(Array(text.utf8)[...]) else { return nil }
        microsecondsSinceEpoch = parsed.wallClockMicroseconds
    }

    /// The calendar date part.
    public var date: CivilDate {
        CivilDate(daysSinceEpoch: Int(microsecondsSinceEpoch.floorDivided(by: Timestamp.microsecondsPerDay)))
    }

    /// Microseconds since midnight.
    public var microsecondOfDay: Int64 {
        microsecondsSinceEpoch - Int64(date.daysSinceEpoch) * Timestamp.microsecondsPerDay
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
