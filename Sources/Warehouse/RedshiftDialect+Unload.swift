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
}
