/// Amazon Redshift (provisioned and Serverless): types, DDL and DML of a load. Its COPY from S3,
/// UNLOAD and load-error statements are in the `RedshiftDialect+…` files.
public struct RedshiftDialect: Dialect, Sendable, Hashable {
    /// The widest VARCHAR, in bytes; `.text` and `.json` are stored as it.
    public static let maxVarcharBytes = 65535
    /// The VARBYTE columns it creates: as wide as its widest VARCHAR (the type allows 16 MiB).
    public static let maxVarbyteBytes = 65535

    /// A Redshift dialect; it has no settings.
    public init() {}

    /// `redshift`.
    public var name: String { "redshift" }
    /// Redshift identifiers hold 1 to 127 bytes.
    public var maxIdentifierBytes: Int { 127 }
    public var maxColumns: Int { 1600 }
    /// ASCII letters fold to lower case even inside quotes (unless `enable_case_sensitive_identifier`).
    public var foldsIdentifiersToLowercase: Bool { true }
    /// `\N` (the COPY's `NULL AS '\N'`): Redshift loads an empty VARCHAR field as `''`.
    public var csvNull: String { "\\N" }
    /// VARBYTE reads a CSV field as bare hex (docs: copy-usage-varbyte).
    public var binaryHexPrefix: String { "" }
    /// Case-insensitive identifiers (the catalog lookups fold names) and UTC, whatever the user's defaults.
    public var sessionSetup: [SQLStatement] {
        [
            // Catalog lookups fold names to lower case, which a session with case-sensitive
            // identifiers on would miss (r_enable_case_sensitive_identifier.html).
            SQLStatement("SET enable_case_sensitive_identifier TO false"),
            // Naive timestamps load as written only in UTC, as on PostgreSQL (r_timezone_config.html).
            SQLStatement("SET timezone TO 'UTC'"),
        ]
    }
    /// The cluster reads and writes the stage itself: COPY from a manifest, and UNLOAD.
    public var copyRoute: CopyRoute { .stage(self) }
    /// None: `lock` locks the table itself.
    public var advisoryLocks: (any AdvisoryLockSQL)? { nil }
    /// `VARCHAR(n)` bounds, `TIMESTAMPTZ`, no indexes.
    public var bookkeeping: BookkeepingTypes {
        let text = "VARCHAR(\(Self.maxVarcharBytes))"
        return BookkeepingTypes(
            text: text, boundsText: true, json: text, jsonParameterCast: nil, checksum: "CHAR(64)",
            timestamp: "TIMESTAMPTZ", transactionStart: "SYSDATE", statementTime: "GETDATE()",
            hasIndexes: false)
    }

    /// `redshift://…`, which libpq takes as `postgres://…` (Redshift speaks PostgreSQL's protocol),
    /// without the IAM login's parameters (`RedshiftIAMLogin`), which libpq does not know.
    public func connectionString(forURL url: String) -> String? {
        guard url.hasPrefix("redshift://") else { return nil }
        return "postgres://" + RedshiftIAMLogin.removingParameters(from: url).dropFirst("redshift://".count)
    }

    /// Redshift has no column for a length of time, nor a decimal of more than 37 digits after the
    /// point (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html: "the maximum
    /// scale is 37").
    public func refusal(ofColumnType type: SQLType) -> String? {
        switch type {
        case .interval:
            return "Redshift has no column type for a duration (interval): convert it to a number (say, of "
                + "seconds) before the load, or pin the column to text"
        case .decimal(_, let scale) where scale > Self.maxDecimalScale:
            return "Redshift's DECIMAL keeps at most \(Self.maxDecimalScale) digits after the point, not \(scale)"
        default:
            return nil
        }
    }

    /// The most digits after the point a DECIMAL keeps.
    public static let maxDecimalScale = 37

    /// Redshift's DDL spelling. `.text` becomes `VARCHAR(65535)` (a bare `TEXT` would be VARCHAR(256)).
    /// `.json` is `SUPER`, which COPY fills from a CSV field's JSON text (https://docs.aws.amazon.com/
    /// redshift/latest/dg/copy_json.html, "Copying data from text and CSV"). Precision above 38 and
    /// VARCHAR above 65535 bytes are rendered as given, for the server to refuse.
    public func typeName(_ type: SQLType) -> String {
        switch type {
        case .boolean: return "BOOLEAN"
        case .smallint: return "SMALLINT"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .decimal(let precision, let scale):
            // A precision of 19 or less is stored in 8 bytes, which nineteen nines overflow
            // (r_Numeric_types201.html): 19 is rendered as 20, stored in 16 bytes.
            return "DECIMAL(\(precision == 19 ? 20 : precision),\(scale))"
        case .numeric: return "DECIMAL(\(ColumnLimits.redshiftMaxDecimalPrecision),0)"
        case .double: return "DOUBLE PRECISION"
        case .real: return "REAL"
        case .time: return "TIME"
        case .interval: return "INTERVAL"
        case .binary: return "VARBYTE(\(Self.maxVarbyteBytes))"
        case .varchar(let maxBytes): return "VARCHAR(\(maxBytes))"
        case .text: return "VARCHAR(\(Self.maxVarcharBytes))"
        case .json: return "SUPER"
        case .date: return "DATE"
        case .timestamp: return "TIMESTAMP"
        case .timestamptz: return "TIMESTAMPTZ"
        case .coarseTimestamp(_, let zoned): return zoned ? "TIMESTAMPTZ" : "TIMESTAMP"
        case .other(let name): return name
        }
    }

    /// Reads `information_schema.columns.data_type`; a VARCHAR without a length is Redshift's
    /// default 256, a numeric without precision its default (18,0), `super` is `.json`. Other
    /// types (CHAR, TIMETZ, GEOMETRY, …) read as nil.
    public func sqlType(
        dataType: String, characterMaximumLength: Int?, numericPrecision: Int?, numericScale: Int?,
        datetimePrecision: Int?
    ) -> SQLType? {
        switch dataType.lowercased() {
        case "boolean": return .boolean
        case "smallint": return .smallint
        case "integer": return .integer
        case "bigint": return .bigint
        case "numeric": return .decimal(precision: numericPrecision ?? 18, scale: numericScale ?? 0)
        case "double precision": return .double
        case "real": return .real
        case "time without time zone": return .time
        case "binary varying", "varbyte": return .binary
        case "character varying": return .varchar(maxBytes: characterMaximumLength ?? 256)
        case "date": return .date
        case "timestamp without time zone": return .timestamp
        case "timestamp with time zone": return .timestamptz
        case "super": return .json
        default: return nil
        }
    }

    /// `.text` is stored as `VARCHAR(65535)`; every other type as itself.
    public func storedType(_ type: SQLType) -> SQLType {
        switch type {
        case .text: return .varchar(maxBytes: Self.maxVarcharBytes)
        default: return type
        }
    }

    /// Integers as `BIGINT`, decimals as `DECIMAL(38, s)`, VARCHAR rounded up to a power of two of
    /// at least 256 bytes (at most 65535): Redshift cannot widen numbers in place at all, and text
    /// only outside a transaction.
    public func createdType(_ type: SQLType) -> SQLType {
        switch type {
        case .smallint, .integer: return .bigint
        case .decimal(_, let scale): return .decimal(precision: ColumnLimits.redshiftMaxDecimalPrecision, scale: scale)
        case .varchar(let bytes): return .varchar(maxBytes: Self.roundedVarcharBytes(bytes))
        default: return type
        }
    }

    /// `DECIMAL(38, scale)` while the digits fit it (scale at most 37). Numbers written in exponent
    /// notation get none: the COPY documentation promises nothing for them in a DECIMAL column;
    /// nor do NaN and the infinities, which a DECIMAL does not hold.
    public func exactDecimalType(
        integerDigits: Int, scale: Int, usesExponentNotation: Bool,
        holdsSpecialValues: Bool
    ) -> SQLType? {
        let precision = ColumnLimits.redshiftMaxDecimalPrecision
        guard !usesExponentNotation, !holdsSpecialValues, scale <= precision - 1, integerDigits <= precision - scale
        else {
            return nil
        }
        return .decimal(precision: precision, scale: scale)
    }

    /// Not promised by the COPY documentation for DECIMAL columns: such values are refused before.
    public var decimalsReadExponents: Bool { false }
    public var datesReadInfinity: Bool { false }

    /// VARCHAR(n) counts bytes of UTF-8.
    public var varcharLengthInCharacters: Bool { false }

    /// Growing a VARCHAR changes only the catalog.
    public func rewritesTable(from: SQLType, to: SQLType) -> Bool {
        if case .varchar = storedType(from), case .varchar = storedType(to) { return false }
        return storedType(from) != storedType(to)
    }

    /// The VARCHAR length a new column of values up to `bytes` long gets.
    static func roundedVarcharBytes(_ bytes: Int) -> Int {
        var rounded = 256
        while rounded < bytes && rounded < maxVarcharBytes { rounded *= 2 }
        return min(rounded, maxVarcharBytes)
    }

    /// Redshift changes a column type in place only to grow a VARCHAR, and only outside a
    /// transaction block; every other change is nil (incompatible).
    public func widening(from: SQLType, to: SQLType) -> Widening? {
        let from = storedType(from)
        let to = storedType(to)
        if from == to { return .insideTransaction }
        if case .varchar(let fromBytes) = from, case .varchar(let toBytes) = to, toBytes > fromBytes {
            return .outsideTransaction
        }
        return nil
    }

    /// `CREATE SCHEMA IF NOT EXISTS "schema"`.
    public func createSchema(_ schema: String) -> SQLStatement { CommonSQL.createSchema(schema) }

    /// `CREATE TABLE IF NOT EXISTS "s"."t" (…) DISTSTYLE … [DISTKEY("k")] [COMPOUND SORTKEY("a", …)] ENCODE AUTO`,
    /// the table attributes in the order of the syntax
    /// (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html). The style is
    /// always written, AUTO by default, so the table is laid out the same whatever the cluster's
    /// defaults. `ENCODE AUTO` is the table attribute: no column gets an encoding of its own, since
    /// naming one for any column turns automatic encoding off for the whole table
    /// (https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html), and `AUTO` is
    /// not one of the column encodings listed there. Without a sort key Redshift chooses (SORTKEY AUTO).
    public func createTable(_ table: TableName, columns: [ColumnDefinition], design: TableDesign) -> SQLStatement {
        var attributes = "DISTSTYLE \(design.effectiveStyle.rawValue.uppercased())"
        if let key = design.distributionKey { attributes += " DISTKEY(\(quoteIdentifier(key)))" }
        if !design.sortKeys.isEmpty {
            attributes += " COMPOUND SORTKEY(\(design.sortKeys.map(quoteIdentifier).joined(separator: ", ")))"
        }
        attributes += " ENCODE AUTO"
        return CommonSQL.createTable(table, columns: columns, typeName: typeName, attributes: attributes)
    }

    /// The combination's own problems (a key needs style KEY, at most 400 sort key columns).
    public func refusal(ofTableDesign design: TableDesign) -> String? { design.combinationProblem }

    /// One column per `ALTER TABLE` (Redshift's limit), always nullable.
    public func addColumn(_ table: TableName, _ column: ColumnDefinition) -> SQLStatement {
        CommonSQL.addColumn(table, column, typeName: typeName)
    }

    /// `ALTER TABLE … ALTER COLUMN … TYPE VARCHAR(n)`; must run outside a transaction block.
    public func alterColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement {
        CommonSQL.alterColumnType(table, column: column, typeName: typeName(type))
    }

    /// `ALTER TABLE … ALTER COLUMN … TYPE … USING "column"::type`.
    public func convertColumnType(_ table: TableName, column: String, to type: SQLType) -> SQLStatement {
        CommonSQL.convertColumnType(table, column: column, typeName: typeName(type))
    }

    /// `LOCK "schema"."table"`: Redshift has no advisory locks, so the whole table is serialized
    /// until the transaction ends; `lockName` is not used.
    public func lock(_ table: TableName, lockName: String) -> SQLStatement {
        SQLStatement("LOCK \(table.quoted)")
    }

    /// `LOCK "a"."b", "c"."d"`: every table in one statement, in the order given. Redshift's
    /// serializable isolation advises locking every table a transaction touches at its start
    /// (https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html); the syntax is
    /// `LOCK [ TABLE ] table_name [, ...]` (https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html).
    public func lock(_ tables: [TableName]) -> SQLStatement {
        SQLStatement("LOCK " + tables.map(\.quoted).joined(separator: ", "))
    }

    /// Trailing blanks are insignificant when VARCHAR values are compared, though LENGTH counts
    /// them (https://docs.aws.amazon.com/redshift/latest/dg/r_Examples_with_character_types.html).
    public var ignoresTrailingBlanks: Bool { true }

    /// `DELETE FROM table [WHERE condition]`.
    public func delete(_ table: TableName, where condition: SQLCondition?) -> SQLStatement {
        CommonSQL.delete(table, where: condition)
    }

    /// `CREATE TEMP TABLE "x" (LIKE "s"."t")`. Redshift has no `ON COMMIT DROP`: the table lives
    /// until the session ends, so the caller picks a name unique to the load.
    public func createTemporaryTable(_ name: String, like table: TableName) -> SQLStatement {
        SQLStatement("CREATE TEMP TABLE \(quoteIdentifier(name)) (LIKE \(table.quoted))")
    }

    /// `DELETE FROM target USING staging WHERE …` (Redshift's DELETE takes no alias).
    public func mergeDelete(target: TableName, staging: String, keys: [String]) -> SQLStatement {
        CommonSQL.mergeDelete(target: target, staging: staging, keys: keys)
    }

    /// `INSERT INTO target (cols) SELECT cols FROM staging`.
    public func insertSelect(into target: TableName, columns: [String], from staging: String) -> SQLStatement {
        CommonSQL.insertSelect(into: target, columns: columns, from: staging)
    }

    /// `information_schema.columns` (same columns as on PostgreSQL; it lists every local table the
    /// user may use, which is all Stevedore writes; `svv_columns` would add only external tables),
    /// with the names folded to lower case as Redshift stores them.
    public func tableColumns(_ table: TableName) -> SQLStatement {
        CommonSQL.tableColumns(schema: Self.folded(table.schema), table: Self.folded(table.table))
    }

    /// `SELECT cols FROM table [WHERE condition] [ORDER BY …]`.
    public func select(
        _ columns: [String], from table: TableName, where condition: SQLCondition?,
        orderBy: [String]
    ) -> SQLStatement {
        CommonSQL.select(columns, from: table, where: condition, orderBy: orderBy)
    }

    /// `name` with ASCII letters lowered, as Redshift folds identifiers (other letters are kept).
    static func folded(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
                }))
    }
}
