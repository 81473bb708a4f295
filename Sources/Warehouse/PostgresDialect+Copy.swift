extension PostgresDialect {
    /// `COPY "s"."t" ("a", "b") FROM STDIN (FORMAT csv)`: with the explicit column list, columns the
    /// data lacks take NULL; an unquoted empty field is NULL and `""` the empty string. `binary`:
    /// `(FORMAT binary)`, rows in each column type's send format.
    public func copyFromStdin(_ table: TableName, columns: [String], binary: Bool = false) -> String {
        let list = columns.isEmpty ? "" : " (\(CommonSQL.columnList(columns)))"
        return "COPY \(table.quoted)\(list) FROM STDIN (FORMAT \(binary ? "binary" : "csv"))"
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

extension PostgresDialect {
    /// `statement` rewritten for a context that takes no bind parameters (COPY TO) without putting
    /// its values into the SQL: the values are set as transaction-local settings by `settings` (a
    /// SELECT with bind parameters, to run first in the same transaction), and each `$n` reads
    /// `current_setting('stevedore.param_n')` as text, so cast placeholders to their types.
    public func settingsForm(_ statement: SQLStatement) -> (settings: SQLStatement, sql: String) {
        let sql = SQLPlaceholders.rewrite(statement.sql) { number in "current_setting('stevedore.param_\(number)')" }
        guard !statement.parameters.isEmpty else { return (SQLStatement("SELECT 1"), sql) }
        let calls = statement.parameters.indices.map { index in
            "set_config('stevedore.param_\(index + 1)', $\(index + 1), true)"
        }
        return (SQLStatement("SELECT " + calls.joined(separator: ", "), statement.parameters), sql)
    }
}
