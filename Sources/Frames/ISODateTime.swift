/// Parsing and rendering of the ISO-8601 forms Stevedore accepts for dates and timestamps, on UTF-8
/// bytes without allocating: `YYYY-MM-DD`, then optionally ` `/`T` `HH:MM:SS`, an optional fraction
/// of 1-6 digits, and an optional `Z`, `±hh`, `±hhmm`, `±hh:mm` or `±hh:mm:ss` offset.
enum ISODateTime {
    enum Kind: Sendable, Hashable { case date, timestamp, timestamptz }

    struct Parsed: Sendable, Hashable {
        var kind: Kind
        /// Days since 1970-01-01 of the (wall-clock) date.
        var days: Int
        /// Microseconds since the epoch: wall clock for `timestamp`, UTC for `timestamptz`.
        var microsecondsSinceEpoch: Int64
        /// Microseconds since the epoch of the wall clock as written, any offset ignored.
        var wallClockMicroseconds: Int64
    }

    /// The value of `bytes`, or nil when they are not one of the accepted forms (or not a real date,
    /// or a fraction finer than microseconds, which the warehouse would round).
    static func parse<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Parsed? where Bytes.Index == Int {
        if let parsed = bytes.withContiguousStorageIfAvailable({ read($0, values: true) }) { return parsed }
        return Array(bytes).withUnsafeBufferPointer { read($0, values: true) }
    }

    /// What `parse` would make of `bytes`, without working out the days and microseconds (type
    /// inference asks only this).
    static func kind<Bytes: RandomAccessCollection<UInt8>>(of bytes: Bytes) -> Kind? where Bytes.Index == Int {
        if let kind = bytes.withContiguousStorageIfAvailable({ read($0, values: false)?.kind }) { return kind }
        return Array(bytes).withUnsafeBufferPointer { read($0, values: false)?.kind }
    }

    /// `parse` over bytes in memory: the digits are read at fixed offsets, without a bounds check or
    /// an optional per digit (dates and timestamps are a large part of a load's values). Without
    /// `values`, only the kind is right: the day count is worked out only where an offset might
    /// move the instant out of range (years 1 and 9999).
    @inline(__always)
    private static func read(_ text: UnsafeBufferPointer<UInt8>, values: Bool) -> Parsed? {
        let count = text.count
        guard count >= 10, let base = text.baseAddress else { return nil }
        // A byte minus "0" is above 9 for anything but a digit (the subtraction wraps).
        func digit(_ offset: Int) -> Int { Int(base[offset] &- zero) }
        let (y0, y1, y2, y3) = (digit(0), digit(1), digit(2), digit(3))
        let (m0, m1, d0, d1) = (digit(5), digit(6), digit(8), digit(9))
        let (year, month, day) = (y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1)
        guard max(max(y0, y1), max(y2, y3)) <= 9, max(max(m0, m1), max(d0, d1)) <= 9,
            base[4] == dash, base[7] == dash, CivilDate.isValid(year: year, month: month, day: day)
        else { return nil }
        let valuesNeeded = values || year == 1 || year == 9999
        let days = valuesNeeded ? CivilDate.days(year: year, month: month, day: day) : 0
        let dayMicros = Int64(days) * Timestamp.microsecondsPerDay
        if count == 10 {
            return Parsed(kind: .date, days: days, microsecondsSinceEpoch: dayMicros, wallClockMicroseconds: dayMicros)
        }
        guard count >= 19 else { return nil }
        let separator = base[10]
        let (h0, h1, n0, n1, s0, s1) = (digit(11), digit(12), digit(14), digit(15), digit(17), digit(18))
        guard separator == space || separator == letterT || separator == letterLowerT,
            max(max(h0, h1), max(n0, n1), max(s0, s1)) <= 9, base[13] == colon, base[16] == colon
        else { return nil }
        let (hour, minute, second) = (h0 * 10 + h1, n0 * 10 + n1, s0 * 10 + s1)
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var micros = dayMicros + Int64(hour * 3600 + minute * 60 + second) * 1_000_000
        var index = 19
        if index < count && base[index] == dot {
            index += 1
            var fraction = 0
            var fractionDigits = 0
            while index < count, digit(index) <= 9 {
                // Digits past the sixth make the value no timestamp; adding them up would overflow.
                if fractionDigits < 6 { fraction = fraction * 10 + digit(index) }
                fractionDigits += 1
                index += 1
            }
            guard (1...6).contains(fractionDigits) else { return nil }
            for _ in fractionDigits..<6 { fraction *= 10 }
            micros += Int64(fraction)
        }
        if index == count {
            return Parsed(kind: .timestamp, days: days, microsecondsSinceEpoch: micros, wallClockMicroseconds: micros)
        }
        guard let offset = parseOffset(text[index...]) else { return nil }
        let instant = micros - Int64(offset) * 1_000_000
        // An offset (under 16 hours) moves only an instant in year 1 or 9999 out of range.
        guard !valuesNeeded || (instant >= firstInstant && instant < endInstant) else { return nil }
        return Parsed(kind: .timestamptz, days: days, microsecondsSinceEpoch: instant, wallClockMicroseconds: micros)
    }

    /// 0001-01-01 00:00 and 10000-01-01 00:00 UTC, in microseconds since the epoch: the instants a
    /// `timestamptz` may hold.
    /// (Literals: a computed static is initialized lazily and checked on every read.)
    static let firstInstant: Int64 = -62_135_596_800_000_000
    static let endInstant: Int64 = 253_402_300_800_000_000

    /// True for `infinity`, false for `-infinity` (in any case), nil for anything else: the dates
    /// and timestamps PostgreSQL has beyond all others.
    static func infinity<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool? where Bytes.Index == Int {
        guard bytes.count == 8 || bytes.count == 9 else { return nil }
        let negative = bytes.first == dash
        let word = negative ? bytes.dropFirst() : bytes[...]
        guard word.count == 8 else { return nil }
        let lowered = word.lazy.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        return lowered.elementsEqual("infinity".utf8) ? !negative : nil
    }

    /// The digits of fractional seconds of a timestamp `parse` accepts (0 for none): its seconds end
    /// at the 19th byte, and a `.` there starts the fraction.
    static func fractionDigits<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Int where Bytes.Index == Int {
        var index = bytes.startIndex + 19
        guard index < bytes.endIndex, bytes[index] == dot else { return 0 }
        index += 1
        var count = 0
        while index < bytes.endIndex, digit(bytes[index]) != nil {
            count += 1
            index += 1
        }
        return count
    }

    /// Seconds east of UTC for `Z`, `±hh`, `±hhmm`, `±hh:mm`, or `±hh:mm:ss` (PostgreSQL writes
    /// seconds for historical local mean time offsets), up to ±15:59:59.
    private static func parseOffset<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Int?
    where Bytes.Index == Int {
        let s = bytes.startIndex
        if bytes.count == 1 && (bytes[s] == letterZ || bytes[s] == letterLowerZ) { return 0 }
        guard bytes.count >= 3, bytes[s] == plus || bytes[s] == dash, let hours = digits(bytes, s + 1, 2) else {
            return nil
        }
        var minutes = 0
        var seconds = 0
        switch bytes.count {
        case 3: break
        case 5:
            guard let value = digits(bytes, s + 3, 2) else { return nil }
            minutes = value
        case 6:
            guard bytes[s + 3] == colon, let value = digits(bytes, s + 4, 2) else { return nil }
            minutes = value
        case 9:
            guard bytes[s + 3] == colon, let minuteValue = digits(bytes, s + 4, 2),
                bytes[s + 6] == colon, let secondValue = digits(bytes, s + 7, 2)
            else { return nil }
            minutes = minuteValue
            seconds = secondValue
        default: return nil
        }
        guard hours <= 15, minutes < 60, seconds < 60 else { return nil }
        let total = hours * 3600 + minutes * 60 + seconds
        return bytes[s] == dash ? -total : total
    }

    /// Appends `YYYY-MM-DD`.
    static func appendDate(_ days: Int, to output: inout [UInt8]) {
        let (year, month, day) = CivilDate.civil(days: days)
        guard (0...9999).contains(year) else {
            appendPadded(year, width: 4, to: &output)
            output.append(dash)
            appendPadded(month, width: 2, to: &output)
            output.append(dash)
            appendPadded(day, width: 2, to: &output)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { text in
            var digits = DigitWriter(text)
            digits.date(year: year, month: month, day: day)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<digits.count]))
        }
    }

    /// Appends `YYYY-MM-DD HH:MM:SS`, then `.ffffff` when there are microseconds, then `+00` when
    /// `utcOffset` (an instant).
    static func appendTimestamp(_ timestamp: Timestamp, utcOffset: Bool, to output: inout [UInt8]) {
        let (year, month, day) = CivilDate.civil(days: timestamp.date.daysSinceEpoch)
        let fourDigitYear = (0...9999).contains(year)
        if !fourDigitYear { appendDate(timestamp.date.daysSinceEpoch, to: &output) }
        // Into one stack buffer, then one append: an append per digit checked the array's
        // uniqueness and room each time.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { text in
            var digits = DigitWriter(text)
            if fourDigitYear { digits.date(year: year, month: month, day: day) }
            digits.clock(timestamp.microsecondOfDay, utcOffset: utcOffset)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<digits.count]))
        }
    }

    /// Writes a date's or timestamp's digits into a small buffer the caller owns.
    private struct DigitWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

        mutating func byte(_ value: UInt8) {
            buffer[count] = value
            count += 1
        }

        /// Two digits of `value` (0...99).
        mutating func two(_ value: Int) {
            buffer[count] = zero + UInt8(truncatingIfNeeded: value / 10)
            buffer[count + 1] = zero + UInt8(truncatingIfNeeded: value % 10)
            count += 2
        }

        /// ` HH:MM:SS`, then `.ffffff` when there are microseconds, then `+00` when `utcOffset`.
        mutating func clock(_ ofDay: Int64, utcOffset: Bool) {
            byte(space)
            let seconds = Int(ofDay / 1_000_000)
            two(seconds / 3600)
            byte(colon)
            two(seconds / 60 % 60)
            byte(colon)
            two(seconds % 60)
            let micros = Int(ofDay % 1_000_000)
            if micros != 0 {
                byte(dot)
                two(micros / 10_000)
                two(micros / 100 % 100)
                two(micros % 100)
            }
            if utcOffset {
                byte(plus)
                two(0)
            }
        }

        /// `YYYY-MM-DD` of a year in 0...9999.
        mutating func date(year: Int, month: Int, day: Int) {
            two(year / 100)
            two(year % 100)
            byte(dash)
            two(month)
            byte(dash)
            two(day)
        }
    }

    /// `value` in decimal, zero-padded to `width`; a negative or wider value is written in full
    /// (never truncated), so a bad date shows as itself rather than as another date.
    static func appendPadded(_ value: Int, width: Int, to output: inout [UInt8]) {
        // The common widths, written without a loop of divisions.
        if width == 2 && value >= 0 && value < 100 {
            output.append(zero + UInt8(value / 10))
            output.append(zero + UInt8(value % 10))
            return
        }
        if width == 4 && value >= 0 && value < 10_000 {
            let high = value / 100
            let low = value % 100
            output.append(zero + UInt8(high / 10))
            output.append(zero + UInt8(high % 10))
            output.append(zero + UInt8(low / 10))
            output.append(zero + UInt8(low % 10))
            return
        }
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        if value >= 0 && value < divisor * 10 {
            var rest = value
            while divisor > 0 {
                output.append(zero + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
            return
        }
        let digits = Array(String(value.magnitude).utf8)
        if value < 0 { output.append(UInt8(ascii: "-")) }
        if digits.count < width {
            output.append(contentsOf: repeatElement(zero, count: width - digits.count))
        }
        output.append(contentsOf: digits)
    }

    private static func digits<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ start: Int, _ count: Int) -> Int?
    where Bytes.Index == Int {
        var value = 0
        for index in start..<(start + count) {
            guard let digit = digit(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= zero && byte <= zero + 9 ? Int(byte - zero) : nil
    }

    private static let zero = UInt8(ascii: "0")
    private static let dash = UInt8(ascii: "-")
    private static let plus = UInt8(ascii: "+")
    private static let colon = UInt8(ascii: ":")
    private static let dot = UInt8(ascii: ".")
    private static let space = UInt8(ascii: " ")
    private static let letterT = UInt8(ascii: "T")
    private static let letterLowerT = UInt8(ascii: "t")
    private static let letterZ = UInt8(ascii: "Z")
    private static let letterLowerZ = UInt8(ascii: "z")
}
