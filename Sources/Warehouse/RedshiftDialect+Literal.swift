extension RedshiftDialect {
    /// `value` as a Redshift string literal for a COPY or UNLOAD option (S3 URL, role, key, region,
    /// the UNLOAD query): `quoteLiteral`, after refusing a backslash. Redshift's parser descends from
    /// PostgreSQL 8.0, where a backslash in a literal may act as an escape (its UNLOAD docs show
    /// `\'`), so a value holding one could mean something else, or end the literal early. Values
    /// with a backslash are an error rather than a guess. Fixed options such as `NULL AS '\N'` are
    /// written verbatim, as the Redshift documentation writes them.
    static func literal(_ value: String, option: String) throws -> String {
        if value.unicodeScalars.contains("\\") {
            throw WarehouseError(
                code: .invalidRequest,
                message:
                    "the \(option) value of a Redshift statement contains a backslash, which Redshift may read as an escape"
            )
        }
        if value.utf8.contains(0) {
            throw WarehouseError(
                code: .invalidRequest, message: "the \(option) value of a Redshift statement contains NUL")
        }
        return quoteLiteral(value)
    }

    /// `statement` with each `$n` replaced by its value as a literal (`NULL` for nil), for UNLOAD,
    /// which takes no bind parameters. Values holding a backslash are refused (see `literal`).
    public func inlineParameters(_ statement: SQLStatement) throws -> String {
        try SQLPlaceholders.inline(statement) { value, placeholder in try Self.literal(value, option: placeholder) }
    }
}
