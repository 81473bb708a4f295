extension PostgresDialect {
    /// `COPY "s"."t" ("a", "b") FROM STDIN (FORMAT csv)`: with the explicit column list, columns the
    /// data lacks take NULL; an unquoted empty field is NULL and `""` the empty string.
    public func copyFromStdin(_ table: TableName, columns: [String]) -> String {
        let list = columns.isEmpty ? "" : " (\(CommonSQL.columnList(columns)))"
        return "COPY \(table.quoted)\(list) FROM STDIN (FORMAT csv)"
    }

    /// `COPY (query) TO STDOUT (FORMAT csv)` for loading back; `query` is trusted SQL text with no
    /// bind parameters (COPY takes none), such as a `select` statement with its values inlined.
    public func copyToStdout(_ query: String) -> String {
        "COPY (\(query)) TO STDOUT (FORMAT csv)"
    }
}

extension PostgresDialect {
    /// `statement` with each `$n` replaced by its value as an escape-string literal `E'…'` (`NULL`
    /// for nil), for `COPY (query) TO STDOUT`, which takes no bind parameters. `E'…'` with `\` and
    /// `'` doubled means the same whatever `standard_conforming_strings` is set to.
    public func inlineParameters(_ statement: SQLStatement) throws -> String {
        try SQLPlaceholders.inline(statement) { value, placeholder in
            if value.utf8.contains(0) {
                throw WarehouseError(code: .invalidRequest, message: "\(placeholder) contains NUL")
            }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
            return "E'\(escaped)'"
        }
    }
}
