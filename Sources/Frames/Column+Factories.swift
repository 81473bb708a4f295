/// Typed ways to build a column from Swift values; nullability is whether a NULL is present.
extension Column {
    public static func boolean(_ name: String, _ values: [Bool?]) -> Column {
        make(name, .boolean, values.map { $0.map(Value.boolean) })
    }

    public static func smallint(_ name: String, _ values: [Int16?]) -> Column {
        make(name, .smallint, values.map { $0.map { .integer(Int64($0)) } })
    }

    public static func integer(_ name: String, _ values: [Int32?]) -> Column {
        make(name, .integer, values.map { $0.map { .integer(Int64($0)) } })
    }

    public static func bigint(_ name: String, _ values: [Int64?]) -> Column {
        make(name, .bigint, values.map { $0.map(Value.integer) })
    }

    /// A decimal column; throws when a value needs more digits than `precision`/`scale` allow.
    public static func decimal(
        _ name: String, precision: Int, scale: Int,
        _ values: [ExactDecimal?]
    ) throws(FrameError) -> Column {
        try Column(
            name: name, type: .decimal(precision: precision, scale: scale),
            values: values.map { $0.map(Value.decimal) })
    }

    public static func double(_ name: String, _ values: [Double?]) -> Column {
        make(name, .double, values.map { $0.map(Value.double) })
    }

    public static func text(_ name: String, _ values: [String?]) -> Column {
        make(name, .text, values.map { $0.map(Value.text) })
    }

    public static func json(_ name: String, _ values: [String?]) -> Column {
        make(name, .json, values.map { $0.map(Value.json) })
    }

    public static func date(_ name: String, _ values: [CivilDate?]) -> Column {
        make(name, .date, values.map { $0.map(Value.date) })
    }

    public static func timestamp(_ name: String, _ values: [Timestamp?]) -> Column {
        make(name, .timestamp, values.map { $0.map(Value.timestamp) })
    }

    public static func timestamptz(_ name: String, _ values: [Timestamp?]) -> Column {
        make(name, .timestamptz, values.map { $0.map(Value.timestamptz) })
    }

    private static func make(_ name: String, _ type: ColumnType, _ values: [Value?]) -> Column {
        Column(unchecked: name, type: type, values: values, isNullable: values.contains(nil))
    }
}
