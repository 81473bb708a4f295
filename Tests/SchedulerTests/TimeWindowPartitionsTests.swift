import Foundation
import Stevedore
import Testing

@testable import Scheduler

@Suite("Time-window partitions")
struct TimeWindowPartitionsTests {
    static func instant(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

    @Test("a daily job three days late has exactly the three missing days due, in order")
    func dailyCatchUp() {
        let daily = TimeWindowPartitions(cadence: .daily, start: Self.instant("2024-01-01T00:00:00Z"))
        let due = daily.completeWindows(asOf: Self.instant("2024-01-04T05:00:00Z"))
        #expect(due.map(\.key) == ["2024-01-01", "2024-01-02", "2024-01-03"])
        #expect(due.allSatisfy { $0.end.timeIntervalSince($0.start) == 86_400 })
        #expect(
            daily.completeWindows(asOf: Self.instant("2024-01-04T05:00:00Z"), limit: 2).map(\.key) == [
                "2024-01-01", "2024-01-02",
            ])
    }

    @Test("a completion offset holds a window back until its data has settled")
    func completionOffset() {
        let daily = TimeWindowPartitions(
            cadence: .daily, start: Self.instant("2024-01-01T00:00:00Z"), completionOffset: 6 * 3600)
        #expect(
            daily.completeWindows(asOf: Self.instant("2024-01-04T05:59:59Z")).map(\.key) == [
                "2024-01-01", "2024-01-02",
            ])
        #expect(
            daily.completeWindows(asOf: Self.instant("2024-01-04T06:00:00Z")).map(\.key)
                == ["2024-01-01", "2024-01-02", "2024-01-03"])
    }

    @Test("hourly keys in Europe/Amsterdam skip the hour that spring-forward removes")
    func springForward() {
        let hourly = TimeWindowPartitions(
            cadence: .hourly, start: Self.instant("2024-03-30T23:00:00Z"), timeZone: Self.amsterdam)
        let windows = hourly.completeWindows(asOf: Self.instant("2024-03-31T03:00:00Z"))
        #expect(
            windows.map(\.key) == [
                "2024-03-31T00:00+01:00", "2024-03-31T01:00+01:00", "2024-03-31T03:00+02:00",
                "2024-03-31T04:00+02:00",
            ])
        #expect(windows.allSatisfy { $0.end.timeIntervalSince($0.start) == 3600 })
    }

    @Test("hourly keys in Europe/Amsterdam name the repeated fall-back hour twice, by offset")
    func fallBack() {
        let hourly = TimeWindowPartitions(
            cadence: .hourly, start: Self.instant("2024-10-26T23:00:00Z"), timeZone: Self.amsterdam)
        let windows = hourly.completeWindows(asOf: Self.instant("2024-10-27T03:00:00Z"))
        #expect(
            windows.map(\.key) == [
                "2024-10-27T01:00+02:00", "2024-10-27T02:00+02:00", "2024-10-27T02:00+01:00",
                "2024-10-27T03:00+01:00",
            ])
        #expect(Set(windows.map(\.key)).count == windows.count)
        #expect(hourly.window(forKey: "2024-10-27T02:00+01:00")?.start == Self.instant("2024-10-27T01:00:00Z"))
        #expect(hourly.window(forKey: "2024-10-27T02:00+02:00")?.start == Self.instant("2024-10-27T00:00:00Z"))
    }

    @Test("a daily window on a DST day lasts 23 or 25 hours, and its bounds carry the offset")
    func dstDays() {
        let daily = TimeWindowPartitions(
            cadence: .daily, start: Self.instant("2024-03-30T00:00:00Z"), timeZone: Self.amsterdam)
        let spring = daily.window(containing: Self.instant("2024-03-31T12:00:00Z"))
        #expect(spring.key == "2024-03-31")
        #expect(spring.end.timeIntervalSince(spring.start) == 23 * 3600)
        let autumn = daily.window(containing: Self.instant("2024-10-27T12:00:00Z"))
        #expect(autumn.end.timeIntervalSince(autumn.start) == 25 * 3600)
        let dimension = daily.spec(for: spring, dimension: "day", column: "sold_at", columnIsDate: false)
        #expect(dimension.key == .window(start: "2024-03-31T00:00:00+01:00", end: "2024-04-01T00:00:00+02:00"))
        #expect(
            daily.spec(for: spring, dimension: "day", column: "sale_date", columnIsDate: true).key
                == .value("2024-03-31"))
    }

    @Test("weekly windows start on Monday and monthly windows are calendar months; an end stops them")
    func weeklyAndMonthly() {
        let weekly = TimeWindowPartitions(cadence: .weekly, start: Self.instant("2024-01-03T00:00:00Z"))
        let weeks = weekly.completeWindows(asOf: Self.instant("2024-01-22T00:00:00Z"))
        #expect(weeks.map(\.key) == ["2024-01-01", "2024-01-08", "2024-01-15"])
        #expect(
            weekly.spec(for: weeks[0], dimension: "week", column: "d", columnIsDate: true).key
                == .range(first: "2024-01-01", last: "2024-01-07"))
        let monthly = TimeWindowPartitions(
            cadence: .monthly, start: Self.instant("2023-11-15T00:00:00Z"),
            end: Self.instant("2024-02-01T00:00:00Z"))
        let months = monthly.completeWindows(asOf: Self.instant("2024-06-01T00:00:00Z"))
        #expect(months.map(\.key) == ["2023-11", "2023-12", "2024-01"])
        #expect(months[1].end.timeIntervalSince(months[1].start) == 31 * 86_400)
        #expect(monthly.window(forKey: "2024-13") == nil)
    }
}
