import Foundation

/// Durations as users write them in flags and `stevedore.yml`: `90` (seconds), `90s`, `15m`, `2h`, `1d`.
enum Durations {
    /// The seconds `text` says, or nil when it is not a duration.
    static func seconds(_ text: String) -> TimeInterval? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(text), number >= 0 { return number }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number >= 0 {
            return number * factor
        }
        return nil
    }

    /// The seconds of a flag's value; a usage error naming the flag otherwise.
    static func parse(_ text: String, flag: String) throws -> TimeInterval {
        guard let seconds = seconds(text) else {
            throw Failure.usageError("\(flag) \(text): expected a duration such as 30s, 5m or 1h")
        }
        return seconds
    }
}
