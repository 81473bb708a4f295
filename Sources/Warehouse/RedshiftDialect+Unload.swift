extension RedshiftDialect {
    /// `UNLOAD ('query') TO 's3://…/prefix' <authorization> <options> [REGION '…']`. `query` has no
    /// bind parameters (see `inlineParameters`); its quotes are doubled, and a backslash in it or
    /// in the other values is refused (see `literal`).
    ///
    /// - `FORMAT AS CSV GZIP`: the same gzip CSV the loader stages and reads.
    /// - `NULL AS '\N'`: without it NULL is written as an empty field, like `''`.
    /// - `MANIFEST VERBOSE`: a manifest at `<prefix>manifest` listing every file with its
    ///   `content_length` and row count, so a reader takes exactly these files and can check them.
    /// - `ALLOWOVERWRITE`: a retried unload to the same prefix replaces its own earlier files.
    /// - `MAXFILESIZE 1 GB`: parts of a size the store and the reader handle comfortably.
    /// - `PARALLEL OFF` only when `ordered`: files `<prefix>000`, `001`, … then follow the query's
    ///   ORDER BY; by default each slice writes its own files (`<prefix><slice>_part_<nn>`), faster.
    public func unload(
        query: String, to prefix: String, authorization: RedshiftAuthorization, region: String?,
        ordered: Bool = false
    ) throws -> String {
        var sql =
            "UNLOAD (\(try Self.literal(query, option: "UNLOAD query"))) TO \(try Self.literal(prefix, option: "UNLOAD prefix"))"
        sql += " \(try authorization.clause())"
        sql += " FORMAT AS CSV GZIP NULL AS '\\N' MANIFEST VERBOSE ALLOWOVERWRITE MAXFILESIZE 1 GB"
        if ordered { sql += " PARALLEL OFF" }
        if let region { sql += " REGION \(try Self.literal(region, option: "REGION"))" }
        return sql
    }

    /// `SELECT cols, <flags> FROM table [WHERE condition]` for an UNLOAD: after the columns, one
    /// flag per column of `flaggingNulls`, `1` where it is NULL and `0` elsewhere. UNLOAD's CSV
    /// quotes only fields holding a delimiter, quote or newline, so a text `\N` would come out as
    /// the NULL AS string; and SUPER ignores NULL AS (https://docs.aws.amazon.com/redshift/latest/dg/r_UNLOAD.html,
    /// https://docs.aws.amazon.com/redshift/latest/dg/unload-super-csv.html). The flags decide instead.
    public func unloadSelect(
        _ columns: [String], flaggingNulls flagged: [String], from table: TableName, where condition: SQLCondition?
    ) -> SQLStatement {
        let flags = flagged.map { "CASE WHEN \(quoteIdentifier($0)) IS NULL THEN 1 ELSE 0 END" }
        var sql = "SELECT \((columns.map(quoteIdentifier) + flags).joined(separator: ", ")) FROM \(table.quoted)"
        if let condition { sql += " WHERE \(condition.sql)" }
        return SQLStatement(sql, condition?.parameters ?? [])
    }
}
