import Foundation
import Testing

@testable import Frames

/// `ISODateTime.parse` against values computed another way, and its refusals byte by byte.
struct ISODateTimeTests {
    @Test("the instants a timestamptz may hold are 0001-01-01 and 10000-01-01 UTC")
    func instantBounds() {
        let perDay = Timestamp.microsecondsPerDay
        #expect(ISODateTime.firstInstant == Int64(CivilDate.days(year: 1, month: 1, day: 1)) * perDay)
        #expect(ISODateTime.endInstant == Int64(CivilDate.days(year: 10000, month: 1, day: 1)) * perDay)
        #expect(ISODateTime.parse(Array("0001-01-01 00:00:00+00".utf8)) != nil)
        #expect(ISODateTime.parse(Array("0001-01-01 00:00:00+01".utf8)) == nil)
        #expect(ISODateTime.parse(Array("9999-12-31 23:59:59.999999+00".utf8)) != nil)
        #expect(ISODateTime.parse(Array("9999-12-31 23:59:59-00:00:01".utf8)) == nil)
        // The kind alone, without the day count, refuses the same instants.
        #expect(ISODateTime.kind(of: Array("0001-01-01 00:00:00+00".utf8)) == .timestamptz)
        #expect(ISODateTime.kind(of: Array("0001-01-01 00:00:00+01".utf8)) == nil)
        #expect(ISODateTime.kind(of: Array("0002-01-01 00:00:00+15:59:59".utf8)) == .timestamptz)
        #expect(ISODateTime.kind(of: Array("9998-12-31 23:59:59.999999-15:59:59".utf8)) == .timestamptz)
        #expect(ISODateTime.kind(of: Array("9999-12-31 23:59:59-00:00:01".utf8)) == nil)
    }

    @Test("dates and timestamps of 5,000 random instants parse to Foundation's values")
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            // After 1582, where Foundation's Gregorian calendar is proleptic no more.
            let seconds = Int64.random(in: -12_000_000_000...250_000_000_000, using: &generator)
            let micros = Int.random(in: 0..<1_000_000, using: &generator)
            let offsetMinutes = Int.random(in: -15 * 60...15 * 60, using: &generator)
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let day = String(
                format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            let clock = String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
            let dayStart = seconds - Int64((parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0))

            let parsedDay = try #require(ISODateTime.parse(Array(day.utf8)), "\(day)")
            #expect(parsedDay.kind == .date)
            #expect(Int64(parsedDay.days) * 86_400 == dayStart, "\(day)")

            let wall = seconds * 1_000_000 + Int64(micros)
            let fraction = String(format: ".%06d", micros)
            let naive = try #require(ISODateTime.parse(Array("\(day)T\(clock)\(fraction)".utf8)))
            #expect(naive.kind == .timestamp && naive.microsecondsSinceEpoch == wall, "\(day) \(clock)\(fraction)")

            let sign = offsetMinutes < 0 ? "-" : "+"
            let offset = String(format: "%@%02d:%02d", sign, abs(offsetMinutes) / 60, abs(offsetMinutes) % 60)
            let text = "\(day) \(clock)\(fraction)\(offset)"
            let zoned = try #require(ISODateTime.parse(Array(text.utf8)), "\(text)")
            #expect(zoned.kind == .timestamptz, "\(text)")
            #expect(zoned.microsecondsSinceEpoch == wall - Int64(offsetMinutes) * 60_000_000, "\(text)")
            #expect(zoned.wallClockMicroseconds == wall, "\(text)")
            for spelled in [day, "\(day)T\(clock)\(fraction)", text] {
                #expect(ISODateTime.kind(of: Array(spelled.utf8)) == ISODateTime.parse(Array(spelled.utf8))?.kind)
            }
        }
    }

    @Test("a non-digit at any digit's place, or another separator, is refused")
    func refusesEachByte() {
        let text = Array("2024-02-29 23:59:58.123456+05:30".utf8)
        #expect(ISODateTime.parse(text) != nil)
        for index in 0..<26 {
            for replacement in Array("x/:-. 0".utf8) where replacement != text[index] {
                var changed = text
                changed[index] = replacement
                let parsed = ISODateTime.parse(changed)
                #expect(ISODateTime.kind(of: changed) == parsed?.kind, "\(String(decoding: changed, as: UTF8.self))")
                let isDigitPlace = ![4, 7, 10, 13, 16, 19].contains(index)
                if isDigitPlace && replacement != UInt8(ascii: "0") {
                    #expect(parsed == nil, "\(String(decoding: changed, as: UTF8.self))")
                }
                if !isDigitPlace && index != 10 {
                    #expect(parsed == nil, "\(String(decoding: changed, as: UTF8.self))")
                }
            }
        }
        for invalid in [
            "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "0000-01-01", "2024-01-01 24:00:00",
            "2024-01-01 23:60:00", "2024-01-01 23:59:60", "2024-01-01 23:59:59.", "2024-01-01 23:59:59.1234567",
            "2024-01-01 23:59:5", "2024-01-01x23:59:59", "2024-1-01", "２０２４-01-01",
        ] {
            #expect(ISODateTime.parse(Array(invalid.utf8)) == nil, "\(invalid)")
            #expect(ISODateTime.kind(of: Array(invalid.utf8)) == nil, "\(invalid)")
        }
        #expect(ISODateTime.parse(Array("2024-01-01t00:00:00z".utf8))?.kind == .timestamptz)
    }

    @Test("a collection without contiguous storage parses the same")
    func nonContiguous() {
        let text = "1999-12-31 23:59:59.5-08"
        let contiguous = ISODateTime.parse(Array(text.utf8))
        #expect(contiguous != nil)
        #expect(ISODateTime.parse(Array(text.utf8).lazy.map { $0 }) == contiguous)
    }
}
