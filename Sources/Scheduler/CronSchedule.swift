import Foundation

/// When a job runs: a five-field cron expression (`minute hour day-of-month month day-of-week`,
/// with `*`, lists, ranges, steps and `@hourly`/`@daily`/`@weekly`/`@monthly`) read in a time zone.
/// Times are wall-clock times of that zone: across a DST change `30 2 * * *` runs once a day, at
/// 03:30 on the day 02:30 does not exist and at the first 02:30 on the day it happens twice; a
/// schedule for every hour runs in both repeated hours.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 Sunday … 6 Saturday (7 is read as Sunday).
    let weekdays: Set<Int>
    /// Cron's rule: when both day fields are restricted, a day matching either runs.
    let dayOfMonthRestricted: Bool
    let weekdayRestricted: Bool

    public var description: String { "\(expression) (\(timeZone.configurationName))" }

    public init(_ expression: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let aliases = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
            "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        ]
        let text = aliases[trimmed] ?? trimmed
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw SchedulerError.invalidConfiguration(
                "cron expression '\(expression)' needs 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)"
            )
        }
        func parse(_ index: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = []) throws -> Set<Int> {
            do {
                return try Self.field(fields[index], range: range, names: names)
            } catch let reason as FieldError {
                throw SchedulerError.invalidConfiguration(
                    "cron expression '\(expression)': \(name) field '\(fields[index])' \(reason.reason)")
            }
        }
        self.expression = expression
        self.timeZone = timeZone
        minutes = try parse(0, "minute", 0...59)
        hours = try parse(1, "hour", 0...23)
        daysOfMonth = try parse(2, "day-of-month", 1...31)
        months = try parse(
            3, "month", 1...12,
            names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
        let weekdays = try parse(4, "day-of-week", 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
        self.weekdays = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        weekdayRestricted = !fields[4].hasPrefix("*")
    }

    private struct FieldError: Error {
        var reason: String
    }

    /// The values one field allows. Throws the reason that `init` wraps with the field.
    private static func field(_ text: String, range: ClosedRange<Int>, names: [String]) throws -> Set<Int> {
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw FieldError(reason: "has more than one '/'") }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0 else {
                    throw FieldError(reason: "has a step that is not a positive number")
                }
                step = parsed
            }
            func value(_ token: Substring) throws -> Int {
                let lower = token.lowercased()
                if let index = names.firstIndex(of: lower) { return index + (range.lowerBound == 1 ? 1 : 0) }
                guard let number = Int(token), range.contains(number) else {
                    throw FieldError(reason: "has '\(token)', outside \(range.lowerBound)-\(range.upperBound)")
                }
                return number
            }
            let bounds: ClosedRange<Int>
            if parts[0] == "*" {
                bounds = range
            } else if let dash = parts[0].firstIndex(of: "-") {
                let first = try value(parts[0][..<dash])
                let last = try value(parts[0][parts[0].index(after: dash)...])
                guard first <= last else { throw FieldError(reason: "has a range that runs backwards") }
                bounds = first...last
            } else {
                let single = try value(parts[0])
                bounds = single...(parts.count == 2 ? range.upperBound : single)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    /// The first run strictly after `instant`, or nil when none falls within the next eight years
    /// (e.g. `0 0 30 2 *`).
    public func nextDate(after instant: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var day = calendar.startOfDay(for: instant)
        for _ in 0..<(366 * 8) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday,
                matchesDay(month: month, day: dayOfMonth, weekday: weekday - 1)
            {
                // The earliest of the day's times after `instant`. A wall time in a spring-forward gap
                // resolves to the instant after the gap; a repeated one to its first occurrence.
                var earliest: Date?
                for hour in hours {
                    for minute in minutes {
                        let wall = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute)
                        guard let first = calendar.date(from: wall) else { continue }
                        var candidates = [first]
                        // A schedule that runs every hour runs in both of a fall-back's repeated hours.
                        let again = first.addingTimeInterval(3600)
                        if hours.count == 24, calendar.component(.hour, from: again) == hour,
                            calendar.component(.day, from: again) == dayOfMonth
                        {
                            candidates.append(again)
                        }
                        for candidate in candidates where candidate > instant {
                            if earliest.map({ candidate < $0 }) ?? true { earliest = candidate }
                        }
                    }
                }
                if let earliest { return earliest }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: next)
        }
        return nil
    }

    private func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let dayOfMonth = daysOfMonth.contains(day)
        let dayOfWeek = weekdays.contains(weekday)
        if dayOfMonthRestricted && weekdayRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }
}
