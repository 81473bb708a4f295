/// Parsing of the text forms of times of day and intervals, as they are staged and as PostgreSQL's
/// COPY writes them back: `[-]HH:MM:SS[.ffffff]` (an interval may begin with `N days`).
enum ClockText {
    /// Microseconds of `[-]H+:MM:SS[.f…]`, after `[-]N day[s] ` when `allowsDays`; a time of day
    /// must lie within 00:00:00 and 24:00:00.
    static func parse<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, allowsDays: Bool) -> Int64?
    where Bytes.Index == Int {
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        var total: Int64 = 0
        if allowsDays, let space = text.firstIndex(of: " ") {
            let rest = text[text.index(after: space)...]
            guard let days = Int64(text[..<space]), rest.hasPrefix("day") else { return nil }
            let (product, overflow) = days.multipliedReportingOverflow(by: Timestamp.microsecondsPerDay)
            guard !overflow else { return nil }
            total = product
            text = rest.drop { $0 != " " }.dropFirst()
            if text.isEmpty { return total }
        }
        var negative = false
        if text.first == "-" || text.first == "+" {
            guard allowsDays else { return nil }
            negative = text.first == "-"
            text = text.dropFirst()
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        // Digits only in every part: Int64("-5") would read a sign the server does not take there.
        func digits(_ part: Substring) -> Bool { !part.isEmpty && part.utf8.allSatisfy { $0 &- 48 < 10 } }
        guard parts.count == 3, digits(parts[0]), let hours = Int64(parts[0]), hours < 1 << 31,
            parts[1].count == 2, digits(parts[1]), let minutes = Int64(parts[1]), minutes < 60
        else { return nil }
        let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondParts[0].count == 2, digits(secondParts[0]), let seconds = Int64(secondParts[0]), seconds < 60,
            secondParts.count <= 2
        else { return nil }
        var micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000
        if secondParts.count == 2 {
            let fraction = secondParts[1]
            guard (1...6).contains(fraction.count), digits(fraction), let value = Int64(fraction) else { return nil }
            var scaled = value
            for _ in fraction.count..<6 { scaled *= 10 }
            micros += scaled
        }
        if !allowsDays { return micros <= Timestamp.microsecondsPerDay ? micros : nil }
        let (sum, overflow) = total.addingReportingOverflow(negative ? -micros : micros)
        return overflow ? nil : sum
    }
}
