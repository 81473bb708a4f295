/// A shell-style pattern over `/`-separated paths and object keys: `*` and `?` match within one
/// segment, `[abc]`/`[a-z]`/`[!a]` one character of a set, `**` any number of whole segments.
public struct GlobPattern: Sendable, Hashable {
    public let pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    /// Whether the pattern has any wildcard at all.
    public var hasWildcards: Bool { pattern.contains(where: { "*?[".contains($0) }) }

    /// The part before the first segment with a wildcard: a folder to list, or a key prefix.
    /// `data/sales/2024-*.csv` → `data/sales/`.
    public var literalPrefix: String {
        var prefix = ""
        for segment in pattern.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
            if segment.contains(where: { "*?[".contains($0) }) { break }
            prefix += segment + "/"
        }
        return prefix
    }

    public func matches(_ path: String) -> Bool {
        Self.match(
            pattern.split(separator: "/", omittingEmptySubsequences: false)[...],
            path.split(separator: "/", omittingEmptySubsequences: false)[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            var rest = path
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let segment = path.first, matchSegment(Array(first), Array(segment)) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// One segment, with `*` backtracking.
    private static func matchSegment(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0
        var t = 0
        var star: Int?
        var starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if p < pattern.count, let width = matchOne(pattern, p, text[t]) {
                p += width
                t += 1
            } else if let star {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// How many pattern characters match `character` at `index` (`?`, a literal, or a `[…]` set), or nil.
    private static func matchOne(_ pattern: [Character], _ index: Int, _ character: Character) -> Int? {
        switch pattern[index] {
        case "?":
            return 1
        case "[":
            var i = index + 1
            let negated = i < pattern.count && (pattern[i] == "!" || pattern[i] == "^")
            if negated { i += 1 }
            var found = false
            var first = true
            while i < pattern.count, pattern[i] != "]" || first {
                first = false
                if i + 2 < pattern.count, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                    if pattern[i] <= character && character <= pattern[i + 2] { found = true }
                    i += 3
                } else {
                    if pattern[i] == character { found = true }
                    i += 1
                }
            }
            guard i < pattern.count else {
                // No closing bracket: a literal '['.
                return character == "[" ? 1 : nil
            }
            return found != negated ? i - index + 1 : nil
        default:
            return pattern[index] == character ? 1 : nil
        }
    }
}
