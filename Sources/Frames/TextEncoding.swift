/// The character encodings a CSV input may be in; every one but UTF-8 is converted to UTF-8 as it
/// is read (`TranscodingByteSource`).
public enum TextEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8 = "utf-8"
    /// ISO-8859-1: every byte is the code point of its value.
    case latin1 = "latin-1"
    /// Windows' Western European code page: Latin-1 with printable characters (€, curly quotes) in 0x80–0x9F.
    case windows1252 = "windows-1252"
    /// UTF-16 with a byte order mark (FF FE little-endian, FE FF big-endian) saying its byte order.
    case utf16 = "utf-16"

    /// The encoding a user calls `name` (any case; `utf8`, `latin1`, `iso-8859-1`, `cp1252`, …),
    /// or nil.
    public init?(name: String) {
        let compact = name.lowercased().filter { $0.isLetter || $0.isNumber }
        switch compact {
        case "utf8": self = .utf8
        case "latin1", "iso88591", "l1": self = .latin1
        case "windows1252", "cp1252", "win1252": self = .windows1252
        case "utf16": self = .utf16
        default: return nil
        }
    }

    /// The names `init(name:)` documents, for messages.
    public static let spellings = "utf-8, latin-1 (iso-8859-1), windows-1252 (cp1252), utf-16 (with a byte order mark)"
}
