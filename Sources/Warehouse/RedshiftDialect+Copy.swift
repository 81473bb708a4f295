extension RedshiftDialect: StageCopySQL {
    /// `COPY "s"."t" (cols) FROM 's3://…/manifest.json' <authorization> [REGION '…'] <options>`.
    /// Throws `invalidRequest` for a URL, key or region holding a backslash (see `literal`).
    ///
    /// The options, each chosen for the staged gzip CSV parts:
    /// - `MANIFEST`: load exactly the listed parts (mandatory ones; a prefix could match stray keys).
    /// - `FORMAT AS CSV GZIP`: RFC 4180 with `"` quotes, each part a whole gzip file.
    /// - `NULL AS '\N'`: NULL is staged as unquoted `\N`, so an empty VARCHAR `""` stays `''`.
    ///   Never `EMPTYASNULL` or `BLANKSASNULL`: they would turn `''` or blanks into NULL.
    /// - `DATEFORMAT 'auto' TIMEFORMAT 'auto'`: ISO dates, and timestamps with fractional seconds
    ///   and a UTC offset, load exactly (the default `YYYY-MM-DD HH:MI:SS` is narrower).
    /// - `MAXERROR 0`: the first bad row fails the whole COPY (no partial loads).
    /// - `COMPUPDATE OFF STATUPDATE OFF`: no compression analysis or statistics inside the load's
    ///   transaction; they cost time on every load and Redshift's automatic ANALYZE covers them.
    /// Left out on purpose: `ACCEPTINVCHARS` (invalid UTF-8 must fail, not be replaced),
    /// `TRUNCATECOLUMNS` (overflow must fail), `FILLRECORD` and `IGNOREHEADER` (parts have every
    /// column and no header), `ROUNDEC` (staged decimals already fit the column's scale).
    public func copyFromManifest(
        _ table: TableName, columns: [String], manifestURL: String,
        authorization: RedshiftAuthorization, region: String?
    ) throws -> String {
        let list = columns.isEmpty ? "" : " (\(CommonSQL.columnList(columns)))"
        var sql = "COPY \(table.quoted)\(list) FROM \(try Self.literal(manifestURL, option: "manifest URL"))"
        sql += " \(try authorization.clause())"
        if let region { sql += " REGION \(try Self.literal(region, option: "REGION"))" }
        sql += " MANIFEST FORMAT AS CSV GZIP NULL AS '\\N' DATEFORMAT 'auto' TIMEFORMAT 'auto'"
        sql += " MAXERROR 0 COMPUPDATE OFF STATUPDATE OFF"
        return sql
    }

    /// The COPY as `plan` shows it, before the stage, its manifest and the credentials are known.
    public func copyFromManifestOutline(_ table: TableName) -> String {
        "COPY \(table.quoted) (…) FROM '<stage>/manifest.json' … MANIFEST FORMAT AS CSV GZIP …"
    }

    /// The rows `STL_LOAD_ERRORS` holds for the parts whose names contain `loadID`, first lines
    /// first: `filename`, `line_number`, `colname`, `raw_field_value`, `err_reason`, with the CHAR
    /// padding trimmed. Run after the ROLLBACK (a failed transaction takes no more statements), so
    /// not by `pg_last_copy_id()`, which a rolled-back COPY does not update
    /// (https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html).
    public func loadErrors(loadID: String, limit: Int = 20) -> SQLStatement {
        SQLStatement(
            "SELECT TRIM(filename) AS filename, line_number, TRIM(colname) AS colname, "
                + "TRIM(raw_field_value) AS raw_field_value, TRIM(err_reason) AS err_reason "
                + "FROM stl_load_errors WHERE STRPOS(filename, $1) > 0 ORDER BY starttime DESC, line_number "
                + "LIMIT \(max(limit, 1))",
            [loadID])
    }

    /// The same five columns from `SYS_LOAD_ERROR_DETAIL`, which also holds the COPYs of Redshift
    /// Serverless and of concurrency-scaling clusters that `STL_LOAD_ERRORS` misses
    /// (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html,
    /// https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html). It has no raw field
    /// value: that column is NULL.
    public func loadErrorDetails(loadID: String, limit: Int = 20) -> SQLStatement {
        SQLStatement(
            "SELECT TRIM(file_name) AS filename, line_number, TRIM(column_name) AS colname, "
                + "NULL AS raw_field_value, TRIM(error_message) AS err_reason "
                + "FROM sys_load_error_detail WHERE STRPOS(file_name, $1) > 0 ORDER BY start_time DESC, line_number "
                + "LIMIT \(max(limit, 1))",
            [loadID])
    }

    /// The load-error queries in the order to try them: `SYS_LOAD_ERROR_DETAIL`, then `STL_LOAD_ERRORS`.
    public func loadErrorQueries(loadID: String, limit: Int) -> [SQLStatement] {
        [loadErrorDetails(loadID: loadID, limit: limit), loadErrors(loadID: loadID, limit: limit)]
    }

    /// `SELECT COUNT(*) FROM STV_SLICES`: one row per slice of a provisioned cluster
    /// (https://docs.aws.amazon.com/redshift/latest/dg/r_STV_SLICES.html); docs/redshift.md, "Part
    /// sizes", says what the loader assumes where it cannot be read.
    public func sliceCount() -> SQLStatement? { SQLStatement("SELECT COUNT(*) FROM STV_SLICES") }

    /// `SELECT pg_last_copy_count()`: the rows the last COPY of this session loaded.
    public func lastCopyCount() -> SQLStatement {
        SQLStatement("SELECT pg_last_copy_count()")
    }
}
