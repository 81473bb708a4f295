import Foundation
import Warehouse

/// The values a job's source text may name for one partition key: `{partition}` (the whole key,
/// `2024-01-02|eu`), one per dimension by its name (`{date}`, `{region}`), and for a time dimension
/// its window's bounds as ISO 8601 instants (`{date_start}`, `{date_end}`).
public struct PartitionPlaceholders: Sendable, Hashable {
    public let values: [String: String]

    public init(definition: PartitionDefinition, key: PartitionDefinition.Key) {
        var values = ["partition": key.description]
        for (dimension, value) in zip(definition.dimensions, key.values) {
            values[dimension.name] = value
            if case .time(let windows, _) = dimension.keys, let window = windows.window(forKey: value) {
                values[dimension.name + "_start"] = windows.iso(window.start)
                values[dimension.name + "_end"] = windows.iso(window.end)
            }
        }
        self.values = values
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
            case .placeholder(let name): return values[name] ?? "{\(name)}"
            }
        }.joined()
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
                   case .text(let after) = pieces[index + 2], after.hasPrefix("'"), chunk.hasSuffix("'") {
                    chunk.removeLast()
                }
                if index >= 2, case .placeholder = pieces[index - 1], case .text(let before) = pieces[index - 2],
                   before.hasSuffix("'"), chunk.hasPrefix("'") {
                    chunk.removeFirst()
                }
                text += chunk
            case .placeholder(let name):
                if numbers[name] == nil {
                    parameters.append(values[name])
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

    /// `template` split into text and `{name}` placeholders; `{{` and `}}` are literal braces, and a
    /// `{` that does not open a name (`{ "json": 1 }`) is text.
    static func pieces(of template: String) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(template)
        while let first = rest.first {
            if rest.hasPrefix("{{") || rest.hasPrefix("}}") {
                text.append(first)
                rest = rest.dropFirst(2)
                continue
            }
            if first == "{", let close = rest.firstIndex(of: "}") {
                let name = rest[rest.index(after: rest.startIndex)..<close]
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) {
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
