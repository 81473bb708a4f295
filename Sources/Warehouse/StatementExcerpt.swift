/// Makes the statement text that errors and logs may show: credentials masked, cut to 200 characters.
///
/// Redshift's COPY and UNLOAD carry keys as literals (`SECRET_ACCESS_KEY '…'`), and DDL may carry
/// `PASSWORD '…'`; the literal after any such keyword becomes `'***'`.
enum StatementExcerpt {
    static let limit = 200

    private static let secretKeywords: Set<String> = [
        "PASSWORD", "SECRET_ACCESS_KEY", "ACCESS_KEY_ID", "SESSION_TOKEN", "CREDENTIALS", "MASTER_SYMMETRIC_KEY",
    ]

    static func make(_ statement: String) -> String {
        let masked = maskSecrets(statement)
        guard masked.count > limit else { return masked }
        return String(masked.prefix(limit)) + "…"
    }

    /// Replaces the string literal that follows a secret keyword (optionally after `AS` or `=`).
    static func maskSecrets(_ statement: String) -> String {
        let chars = Array(statement.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        var maskNextLiteral = false
        while index < chars.count {
            let char = chars[index]
            if char == "'" {
                // A literal: copy it, or mask it, up to its closing quote ('' is an escaped quote).
                var end = index + 1
                while end < chars.count {
                    if chars[end] == "'" {
                        if end + 1 < chars.count && chars[end + 1] == "'" {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                if maskNextLiteral {
                    out.append(contentsOf: "'***'".unicodeScalars)
                } else {
                    out.append(contentsOf: chars[index...min(end, chars.count - 1)])
                }
                maskNextLiteral = false
                index = end + 1
                continue
            }
            if isWordCharacter(char) {
                var end = index
                while end < chars.count && isWordCharacter(chars[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(chars[index..<end])).uppercased()
                if secretKeywords.contains(word) {
                    maskNextLiteral = true
                } else if word != "AS" {
                    maskNextLiteral = false
                }
                out.append(contentsOf: chars[index..<end])
                index = end
                continue
            }
            out.append(char)
            index += 1
        }
        return String(out)
    }

    private static func isWordCharacter(_ char: Unicode.Scalar) -> Bool {
        char == "_" || char.properties.isAlphabetic || ("0"..."9").contains(char)
    }
}
