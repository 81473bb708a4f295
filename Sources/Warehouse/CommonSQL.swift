/// The statements PostgreSQL and Redshift spell alike; each dialect passes its own type names.
enum CommonSQL {
    /// `"a", "b"`, or `*` for no columns.
    static func columnList(_ columns: [String]) -> String {
        columns.isEmpty ? "*" : columns.map(quoteIdentifier).joined(separator: ", ")
    }

    static func createSchema(_ schema: String) -> SQLStatement {
        SQLStatement("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))")
    }

    /// `attributes` follow the column list (Redshift's table attributes), after a space.
    static func createTable(
        _ table: TableName, columns: [ColumnDefinition], typeName: (SQLType) -> String, attributes: String = ""
    ) -> SQLStatement {
        let definitions = columns.map { column in
            "\(quoteIdentifier(column.name)) \(typeName(column.type))" + (column.isNullable ? "" : " NOT NULL")
        }
        return SQLStatement(
            "CREATE TABLE IF NOT EXISTS \(table.quoted) (\(definitions.joined(separator: ", ")))"
                + (attributes.isEmpty ? "" : " " + attributes))
    }

    static func addColumn(_ table: TableName, _ column: ColumnDefinition, typeName: (SQLType) -> String)
        -> SQLStatement
    {
        SQLStatement("ALTER TABLE \(table.quoted) ADD COLUMN \(quoteIdentifier(column.name)) \(typeName(column.type))")
    }

    static func alterColumnType(_ table: TableName, column: String, typeName: String) -> SQLStatement {
        SQLStatement("ALTER TABLE \(table.quoted) ALTER COLUMN \(quoteIdentifier(column)) TYPE \(typeName)")
    }

    static func convertColumnType(_ table: TableName, column: String, typeName: String) -> SQLStatement {
        let quoted = quoteIdentifier(column)
        return SQLStatement(
            "ALTER TABLE \(table.quoted) ALTER COLUMN \(quoted) TYPE \(typeName) USING \(quoted)::\(typeName)")
    }

    static func delete(_ table: TableName, where condition: SQLCondition?) -> SQLStatement {
        guard let condition else { return SQLStatement("DELETE FROM \(table.quoted)") }
        return SQLStatement("DELETE FROM \(table.quoted) WHERE \(condition.sql)", condition.parameters)
    }

    /// Keys compare with `=`, so a NULL key matches nothing: merge keys must not be NULL.
    static func mergeDelete(target: TableName, staging: String, keys: [String]) -> SQLStatement {
        let stagingName = quoteIdentifier(staging)
        let matches = keys.map { key in
            let column = quoteIdentifier(key)
            return "\(target.quoted).\(column) = \(stagingName).\(column)"
        }
        return SQLStatement(
            "DELETE FROM \(target.quoted) USING \(stagingName) WHERE \(matches.joined(separator: " AND "))")
    }

    /// With no columns, every column in table order (the staging table is shaped like the target).
    static func insertSelect(into target: TableName, columns: [String], from staging: String) -> SQLStatement {
        let list = columnList(columns)
        let into = columns.isEmpty ? target.quoted : "\(target.quoted) (\(list))"
        return SQLStatement("INSERT INTO \(into) SELECT \(list) FROM \(quoteIdentifier(staging))")
    }

    /// `information_schema.columns`, with schema and table as bind parameters.
    static func tableColumns(schema: String, table: String) -> SQLStatement {
        SQLStatement(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, "
                + "is_nullable, udt_name, datetime_precision FROM information_schema.columns "
                + "WHERE table_schema = $1 AND table_name = $2 "
                + "ORDER BY ordinal_position",
            [schema, table])
    }

    static func select(
        _ columns: [String], from table: TableName, where condition: SQLCondition?,
        orderBy: [String]
    ) -> SQLStatement {
        var sql = "SELECT \(columnList(columns)) FROM \(table.quoted)"
        if let condition { sql += " WHERE \(condition.sql)" }
        if !orderBy.isEmpty { sql += " ORDER BY \(orderBy.map(quoteIdentifier).joined(separator: ", "))" }
        return SQLStatement(sql, condition?.parameters ?? [])
    }
}
