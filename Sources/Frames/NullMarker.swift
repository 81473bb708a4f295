/// How the staged CSV spells NULL, chosen by the warehouse dialect (design.md, "CSV as staged").
public enum NullMarker: Sendable, Hashable {
    /// An unquoted empty field: PostgreSQL COPY's CSV default.
    case emptyField
    /// An unquoted `\N`, for Redshift's `NULL AS '\N'` (Redshift loads an empty VARCHAR field as `''`).
    /// A text value `\N` is then quoted (`"\N"`) to keep it apart. How Redshift loads a quoted
    /// `"\N"` is not documented (reference.md §4): until a test on a real cluster shows it loads as
    /// the text `\N`, treat a literal `\N` string on Redshift as unverified.
    case backslashN

    /// The marker spelled `spelling` (`""` or `\N`), as a warehouse dialect names it; nil for any other.
    public init?(spelling: String) {
        switch spelling {
        case "": self = .emptyField
        case "\\N": self = .backslashN
        default: return nil
        }
    }

    /// The bytes written for NULL.
    var bytes: [UInt8] {
        switch self {
        case .emptyField: []
        case .backslashN: [UInt8(ascii: "\\"), UInt8(ascii: "N")]
        }
    }
}
