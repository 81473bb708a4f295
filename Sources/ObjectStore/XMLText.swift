/// Minimal reading of the flat XML S3 answers with: the text of named elements, entities decoded.
package enum XMLText {
    /// The text of the first `<name>…</name>` in `text`.
    package static func firstElement(_ name: String, in text: String) -> String? {
        elements(name, in: text).first
    }

    /// The texts of every `<name>…</name>` in `text`, in order.
    static func elements(_ name: String, in text: String) -> [String] {
        blocks(name, in: text).map(decodeEntities)
    }

    /// The raw inner XML of every `<name>…</name>` in `text`, in order (entities left as they are).
    static func blocks(_ name: String, in text: String) -> [String] {
        var values: [String] = []
        var rest = text[...]
        let open = "<\(name)>"
        let close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            values.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return values
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let code = UInt32(entity.dropFirst(2), radix: 16),
                    let scalar = Unicode.Scalar(code)
                {
                    out.unicodeScalars.append(scalar)
                } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()),
                    let scalar = Unicode.Scalar(code)
                {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&\(entity);"
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        out += rest
        return out
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for an element's text.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
