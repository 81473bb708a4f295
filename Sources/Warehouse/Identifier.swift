/// Quotes `name` as an SQL identifier: wrapped in `"` with every `"` inside doubled, so that any
/// name, however hostile, reaches the server as one identifier and never as SQL. This is the one
/// quoting function of the project: every table, schema and column name goes through it.
///
///     quoteIdentifier("sales")        // "sales"
///     quoteIdentifier(#"a"b"#)        // "a""b"
///
/// Validation (empty names, length limits, NUL bytes) belongs to the caller that knows the dialect.
public func quoteIdentifier(_ name: String) -> String {
    var quoted = "\""
    quoted.reserveCapacity(name.utf8.count + 2)
    for character in name.unicodeScalars {
        if character == "\"" {
            quoted.unicodeScalars.append("\"")
        }
        quoted.unicodeScalars.append(character)
    }
    quoted.unicodeScalars.append("\"")
    return quoted
}

/// Quotes a dotted name such as `schema.table`, one part at a time: `"schema"."table"`.
public func quoteQualifiedIdentifier(_ parts: [String]) -> String {
    parts.map(quoteIdentifier).joined(separator: ".")
}
