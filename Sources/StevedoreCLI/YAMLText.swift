import Yams

/// `stevedore.yml` read as text: every scalar stays the string it was written as (`no` stays
/// `no`, `01` stays `01`, `2026-01-01T06:00` stays local time), in mappings and lists, and the
/// commands parse numbers, booleans and dates where they expect them. A null (`~`, `null`, an
/// empty value) is left out.
enum YAMLText {
    /// The document as `[String: Any]`, `[Any]` and `String` values; nil for an empty document.
    static func load(_ text: String) throws -> Any? {
        guard let node = try Yams.compose(yaml: text) else { return nil }
        return value(node)
    }

    private static func value(_ node: Node) -> Any? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return nil }
            return scalar.string
        case .mapping(let mapping):
            var out: [String: Any] = [:]
            for (key, item) in mapping {
                guard let name = key.scalar?.string, let converted = value(item) else { continue }
                out[name] = converted
            }
            return out
        case .sequence(let sequence):
            return sequence.compactMap { value($0) }
        @unknown default:
            return nil
        }
    }
}
