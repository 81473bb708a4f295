import Foundation

/// A load's identifier: the UTC time it started to the millisecond and 8 random hex digits, so ids
/// sort by time as text and never collide (`20261122T013045123Z-9f3a61c2`).
public struct LoadID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A new id for a load starting at `date`.
    public static func make(at date: Date = Date()) -> LoadID {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String { String(value).leftPadded(to: width) }
        let stamp =
            pad(Int(parts.tm_year) + 1900, 4) + pad(Int(parts.tm_mon) + 1, 2) + pad(Int(parts.tm_mday), 2) + "T"
            + pad(Int(parts.tm_hour), 2) + pad(Int(parts.tm_min), 2) + pad(Int(parts.tm_sec), 2)
            + pad(Int(milliseconds % 1000), 3) + "Z"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8)
        return LoadID(rawValue: "\(stamp)-\(random)")
    }

    public static func < (lhs: LoadID, rhs: LoadID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}
