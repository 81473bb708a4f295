/// How the staged CSV spells NULL, chosen by the warehouse dialect (design.md, "CSV as staged").
public enum NullMarker: Sendable, Hashable {
    /// An unquoted empty field: PostgreSQL COPY's CSV default.
    case emptyField
    /// An unquoted `\N`, for Redshift's `NULL AS '\N'` (Redshift loads an empty VARCHAR field as `''`).
    /// A text value `\N` is then quoted to keep it apart.
    case backslashN

    /// The bytes written for NULL.
    var bytes: [UInt8] {
        switch self {
        case .emptyField: []
        case .backslashN: [UInt8(ascii: "\\"), UInt8(ascii: "N")]
        }
    }
}
