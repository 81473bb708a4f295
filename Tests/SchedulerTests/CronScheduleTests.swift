import Foundation
import Testing

@testable import Scheduler

@Suite("Cron schedules")
struct CronScheduleTests {
    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

    func runs(_ expression: String, in zone: TimeZone = amsterdam, after start: String, count: Int) throws -> [String] {
        let schedule = try CronSchedule(expression, timeZone: zone)
        var instant = SchedulerFixture.instant(start)
        var out: [String] = []
        let formatter = ISO8601DateFormatter()
        for _ in 0..<count {
            instant = try #require(schedule.nextDate(after: instant))
            out.append(formatter.string(from: instant))
        }
        return out
    }

    @Test("fields: lists, ranges, steps, names and aliases")
    func fields() throws {
        #expect(
            try runs("*/20 9-10 * * mon-fri", in: TimeZone(identifier: "UTC")!, after: "2026-11-20T10:30:00Z", count: 4)
                == ["2026-11-20T10:40:00Z", "2026-11-23T09:00:00Z", "2026-11-23T09:20:00Z", "2026-11-23T09:40:00Z"])
        #expect(
            try runs("@monthly", in: TimeZone(identifier: "UTC")!, after: "2026-01-31T00:00:00Z", count: 2)
                == ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"])
        // Both day fields restricted: either matches (the 13th, or any Friday).
        #expect(
            try runs("0 0 13 * fri", in: TimeZone(identifier: "UTC")!, after: "2026-11-01T00:00:00Z", count: 3)
                == ["2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"])
    }

    @Test("a bad expression names the field and what is wrong")
    func badExpressions() {
        for (text, fragment) in [
            ("* * * *", "needs 5 fields"), ("61 * * * *", "minute field '61'"),
            ("* * * * 9", "day-of-week field '9'"), ("*/0 * * * *", "step"),
            ("5-1 * * * *", "backwards"),
        ] {
            #expect {
                try CronSchedule(text)
            } throws: { error in
                "\(error)".contains(fragment) && "\(error)".contains(text)
            }
        }
    }

    @Test("02:30 daily in Europe/Amsterdam: 03:30 on the spring-forward day, once on the fall-back day")
    func dailyAcrossDST() throws {
        #expect(
            try runs("30 2 * * *", after: "2026-03-27T12:00:00Z", count: 3)
                == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        #expect(
            try runs("30 2 * * *", after: "2026-10-24T12:00:00Z", count: 2)
                == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    }

    @Test("hourly in Europe/Amsterdam: 23 runs on the spring-forward day, 25 on the fall-back day")
    func hourlyAcrossDST() throws {
        let spring = try runs("0 * * * *", after: "2026-03-28T22:59:00Z", count: 24)
        #expect(spring.first == "2026-03-28T23:00:00Z")
        #expect(spring[1] == "2026-03-29T00:00:00Z")
        #expect(spring[2] == "2026-03-29T01:00:00Z")  // 03:00+02:00: 02:00 local does not exist
        #expect(spring[23] == "2026-03-29T22:00:00Z")  // the next local midnight, 23 runs later
        let fall = try runs("0 * * * *", after: "2026-10-24T21:59:00Z", count: 26)
        #expect(fall[0] == "2026-10-24T22:00:00Z")  // local midnight
        #expect(fall[1] == "2026-10-24T23:00:00Z")
        #expect(fall[2] == "2026-10-25T00:00:00Z")  // 02:00+02:00
        #expect(fall[3] == "2026-10-25T01:00:00Z")  // 02:00+01:00, the repeated hour
        #expect(fall[4] == "2026-10-25T02:00:00Z")  // 03:00+01:00
        #expect(fall[25] == "2026-10-25T23:00:00Z")  // the next local midnight, 25 runs later
        #expect(Set(fall).count == fall.count)
    }
}
