import Foundation
import Stevedore

/// Partitions by time: each key is one window `[start, end)` of the calendar in a time zone
/// (hourly, daily, weekly, monthly), from a first window on, optionally up to an end. A window is
/// complete, and so due, once `completionOffset` has passed after its end (late data settles).
/// Windows are computed with the time zone's calendar, so DST days have 23 or 25 hours and an
/// hourly key names the local hour with its UTC offset (the repeated hour of a fall-back is two keys).
public struct TimeWindowPartitions: Sendable, Hashable {
    /// How long one window is.
    public enum Cadence: String, Sendable, Hashable, CaseIterable {
        case hourly, daily, weekly, monthly
    }

    public var cadence: Cadence
    /// The first window starts at the window containing this instant.
    public var start: Date
    /// No window starts at or after this instant.
    public var end: Date?
    public var timeZone: TimeZone
    /// How long after a window's end it counts as complete.
    public var completionOffset: TimeInterval
    /// Weekly windows start on this weekday (1 Sunday … 7 Saturday; default Monday).
    public var firstWeekday: Int

    public init(
        cadence: Cadence, start: Date, end: Date? = nil, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        completionOffset: TimeInterval = 0, firstWeekday: Int = 2
    ) {
        self.cadence = cadence
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.completionOffset = completionOffset
        self.firstWeekday = firstWeekday
    }

    /// One window and its key.
    public struct Window: Sendable, Hashable, CustomStringConvertible {
        public var start: Date
        public var end: Date
        /// `2024-01-02` (daily, weekly: the first day), `2024-01` (monthly), `2024-01-02T03:00+01:00` (hourly).
        public var key: String
        public var description: String { key }
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = firstWeekday
        return calendar
    }

    /// The window containing `instant`.
    public func window(containing instant: Date) -> Window {
        let calendar = self.calendar
        let component: Calendar.Component
        switch cadence {
        case .hourly: component = .hour
        case .daily: component = .day
        case .weekly: component = .weekOfYear
        case .monthly: component = .month
        }
        let interval =
            calendar.dateInterval(of: component, for: instant)
            ?? DateInterval(start: instant, duration: 3600)
        return Window(start: interval.start, end: interval.end, key: key(for: interval.start))
    }

    /// The window after `window`.
    public func window(after window: Window) -> Window {
        self.window(containing: window.end)
    }

    /// Every complete window from the first one, in order, as of `now` (at most `limit`, the oldest
    /// first, when given).
    public func completeWindows(asOf now: Date, limit: Int? = nil) -> [Window] {
        var windows: [Window] = []
        var current = window(containing: start)
        while current.end.addingTimeInterval(completionOffset) <= now {
            if let end, current.start >= end { break }
            windows.append(current)
            if let limit, windows.count >= limit { break }
            current = window(after: current)
        }
        return windows
    }

    /// The newest `count` complete windows as of `now`, oldest first, walking back from `now`
    /// (so a job that started years ago costs `count` windows, not years of them).
    public func latestCompleteWindows(asOf now: Date, count: Int) -> [Window] {
        let first = window(containing: start)
        var from = now.addingTimeInterval(-completionOffset)
        if let end, from >= end { from = end.addingTimeInterval(-1) }
        var current = window(containing: from)
        var windows: [Window] = []
        while windows.count < count, current.start >= first.start {
            if current.end.addingTimeInterval(completionOffset) <= now, end.map({ current.start < $0 }) ?? true {
                windows.append(current)
            }
            current = window(containing: current.start.addingTimeInterval(-1))
        }
        return windows.reversed()
    }

    /// The window a key names, when it is one of this partitioning's keys.
    public func window(forKey key: String) -> Window? {
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.calendar = calendar
        parser.timeZone = timeZone
        parser.dateFormat = format
        guard let date = parser.date(from: key) else { return nil }
        let window = self.window(containing: date)
        return window.key == key ? window : nil
    }

    private var format: String {
        switch cadence {
        case .hourly: return "yyyy-MM-dd'T'HH:mmxxx"
        case .daily, .weekly: return "yyyy-MM-dd"
        case .monthly: return "yyyy-MM"
        }
    }

    private func key(for instant: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = calendar
        formatter.timeZone = timeZone
        formatter.dateFormat = format
        return formatter.string(from: instant)
    }

    /// The instant as ISO 8601 with this time zone's offset, as a window bound in SQL.
    func iso(_ instant: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = calendar
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: instant)
    }

    /// The Loader's partition for `window` on `column`: `[start, end)` as instants for a timestamp
    /// column; for a date column, the window's days as an inclusive range of dates (one value for a day).
    public func spec(for window: Window, dimension: String, column: String, columnIsDate: Bool)
        -> PartitionSpec.Dimension
    {
        if columnIsDate && cadence != .hourly {
            let days = DateFormatter()
            days.locale = Locale(identifier: "en_US_POSIX")
            days.calendar = calendar
            days.timeZone = timeZone
            days.dateFormat = "yyyy-MM-dd"
            let first = days.string(from: window.start)
            let last = days.string(from: window.end.addingTimeInterval(-1))
            return .init(dimension, .column(column), first == last ? .value(first) : .range(first: first, last: last))
        }
        return .init(dimension, .column(column), .window(start: iso(window.start), end: iso(window.end)))
    }
}
