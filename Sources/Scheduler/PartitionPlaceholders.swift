import Foundation
import Warehouse

/// The values a job's source text may name for one partition key: `{partition}` (the whole key,
/// `2024-01-02|eu`), one per dimension by its name (`{date}`, `{region}`), and for a time dimension
/// its window's bounds as ISO 8601 instants (`{date_start}`, `{date_end}`). A time placeholder may
/// carry a date format for the window's start in the dimension's time zone: `{hour:yyyy/MM/dd/HH}`.
public struct PartitionPlaceholders: Sendable, Hashable {
    public let values: [String: String]
    /// The start of each time dimension's window, with the dimension's time zone, for formats.
    let windowStarts: [String: WindowStart]

    struct WindowStart: Sendable, Hashable {
        var instant: Date
        var timeZone: TimeZone
    }

    public init(definition: PartitionDefinition, key: PartitionDefinition.Key) {
        var values = ["partition": key.description]
        var starts: [String: WindowStart] = [:]
        for (dimension, value) in zip(definition.dimensions, key.values) {
            values[dimension.name] = value
            if case .time(let windows, _) = dimension.keys, let window = windows.window(forKey: value) {
                values[dimension.name + "_start"] = windows.iso(window.start)
                values[dimension.name + "_end"] = windows.iso(window.end)
                starts[dimension.name] = WindowStart(instant: window.start, timeZone: windows.timeZone)
            }
        }
        self.values = values
        windowStarts = starts
    }

    /// The value of a placeholder: `name`, or `name:format` for a time dimension.
    func value(of placeholder: String) -> String? {
        guard let colon = placeholder.firstIndex(of: ":") else { return values[placeholder] }
        guard let start = windowStarts[String(placeholder[..<colon])] else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = start.timeZone
        formatter.dateFormat = String(placeholder[placeholder.index(after: colon)...])
        return formatter.string(from: start.instant)
    }

    /// Whether `placeholder` is one of `known` (a `name:format` needs `name` to be a time dimension).
    static func isKnown(_ placeholder: String, in definition: PartitionDefinition) -> Bool {
        guard let colon = placeholder.firstIndex(of: ":") else { return names(for: definition).contains(placeholder) }
        let name = placeholder[..<colon]
        return definition.dimensions.contains { dimension in
            if case .time = dimension.keys { return dimension.name == name } else { return false }
        } && placeholder.index(after: colon) != placeholder.endIndex
    }

    /// Every placeholder name a definition's keys fill in.
    static func names(for definition: PartitionDefinition) -> Set<String> {
        var names: Set = ["partition"]
        for dimension in definition.dimensions {
            names.insert(dimension.name)
            if case .time = dimension.keys {
                names.insert(dimension.name + "_start")
                names.insert(dimension.name + "_end")
            }
        }
        return names
    }

    /// The placeholder names `template` uses (`{name}`; `{{` is a literal brace).
    static func placeholders(in template: String) -> [String] {
        pieces(of: template).compactMap { if case .placeholder(let name) = $0 { return name } else { return nil } }
    }

    /// `template` with every placeholder replaced by its value.
    public func fill(_ template: String) -> String {
        Self.pieces(of: template).map { piece in
            switch piece {
            case .text(let text): return text
            case .placeholder(let name): return value(of: name) ?? "{\(name)}"
            }
        }.joined()
    }

    /// `template` filled for `/bin/sh -c`: a value with characters the shell treats specially (a
    /// space, a quote, `$`, `;` …) is written in single quotes, so it stays one word and is never
    /// run. Keys of time windows never need it.
    public func fillForShell(_ template: String) -> String {
        Self.pieces(of: template).map { piece in
            switch piece {
            case .text(let text): return text
            case .placeholder(let name):
                guard let value = value(of: name) else { return "{\(name)}" }
                let plain = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.,:+/@%=".contains($0)) }
                return plain && !value.isEmpty ? value : "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
            }
        }.joined()
    }

    /// The placeholders of a query that sit inside a longer quoted literal (`'raw/{date}%'`): they
    /// cannot become parameters, so a job using them is refused. `'{date}'` alone is fine.
    static func placeholdersInsideLiterals(_ sql: String) -> [String] {
        let pieces = pieces(of: sql)
        var inQuote = false
        var misplaced: [String] = []
        for (index, piece) in pieces.enumerated() {
            switch piece {
            case .text(let text):
                for character in text where character == "'" { inQuote.toggle() }
            case .placeholder(let name):
                guard inQuote else { continue }
                let opensRightBefore: Bool
                if index > 0, case .text(let before) = pieces[index - 1] {
                    opensRightBefore = before.hasSuffix("'")
                } else {
                    opensRightBefore = false
                }
                let closesRightAfter: Bool
                if index + 1 < pieces.count, case .text(let after) = pieces[index + 1] {
                    closesRightAfter = after.hasPrefix("'")
                } else {
                    closesRightAfter = false
                }
                if !(opensRightBefore && closesRightAfter) { misplaced.append(name) }
            }
        }
        return misplaced
    }

    /// The environment a command source runs with: `STEVEDORE_PARTITION` and one
    /// `STEVEDORE_<NAME>` per placeholder (upper case, `-` and `.` as `_`), plus `STEVEDORE_JOB`.
    public func environment(job: String) -> [String: String] {
        var environment = ["STEVEDORE_JOB": job]
        for (name, value) in values {
            let variable = name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
            environment["STEVEDORE_" + String(variable)] = value
        }
        return environment
    }

    /// A query with each placeholder as a bind parameter (`$1`, `$2`, …, one per distinct name). A
    /// placeholder written in quotes (`'{date}'`) is a parameter too, the quotes dropped.
    public func parameterize(_ sql: String) -> SQLStatement {
        var text = ""
        var parameters: [String?] = []
        var numbers: [String: Int] = [:]
        let pieces = Self.pieces(of: sql)
        for (index, piece) in pieces.enumerated() {
            switch piece {
            case .text(var chunk):
                // Drop the quotes around a quoted placeholder: '{date}' is the parameter itself.
                if index + 2 < pieces.count, case .placeholder = pieces[index + 1],
                    case .text(let after) = pieces[index + 2], after.hasPrefix("'"), chunk.hasSuffix("'")
                {
                    chunk.removeLast()
                }
                if index >= 2, case .placeholder = pieces[index - 1], case .text(let before) = pieces[index - 2],
                    before.hasSuffix("'"), chunk.hasPrefix("'")
                {
                    chunk.removeFirst()
                }
                text += chunk
            case .placeholder(let name):
                if numbers[name] == nil {
                    parameters.append(value(of: name))
                    numbers[name] = parameters.count
                }
                text += "$\(numbers[name]!)"
            }
        }
        return SQLStatement(text, parameters)
    }

    enum Piece: Equatable {
        case text(String)
        case placeholder(String)
    }

    /// `template` split into text and `{name}` placeholders; `{{` and `}}` are literal braces, a
    /// `{` that does not open a name (`{ "json": 1 }`) is text, and so is a shell's `${VAR}`.
    static func pieces(of template: String) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(template)
        while let first = rest.first {
            if rest.hasPrefix("${"), let close = rest.firstIndex(of: "}") {
                text += rest[...close]
                rest = rest[rest.index(after: close)...]
                continue
            }
            if rest.hasPrefix("{{") || rest.hasPrefix("}}") {
                text.append(first)
                rest = rest.dropFirst(2)
                continue
            }
            if first == "{", let close = rest.firstIndex(of: "}") {
                let name = rest[rest.index(after: rest.startIndex)..<close]
                // A name, optionally with `:format`.
                let base = name.prefix { $0 != ":" }
                if !base.isEmpty,
                    base.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }),
                    !name.contains("{")
                {
                    if !text.isEmpty { pieces.append(.text(text)) }
                    text = ""
                    pieces.append(.placeholder(String(name)))
                    rest = rest[rest.index(after: close)...]
                    continue
                }
            }
            text.append(first)
            rest = rest.dropFirst()
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }
}
