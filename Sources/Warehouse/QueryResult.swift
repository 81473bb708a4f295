/// What a statement returned: its columns (name and type OID) and its rows as text, exactly as the
/// server rendered them, with `nil` for NULL.
public struct QueryResult: Sendable, Hashable {
    /// One column of the result.
    public struct Column: Sendable, Hashable {
        public var name: String
        /// The PostgreSQL type OID (`pg_type.oid`): 23 int4, 25 text, 1700 numeric, …
        public var typeOID: UInt32

        public init(name: String, typeOID: UInt32 = 25) {
            self.name = name
            self.typeOID = typeOID
        }
    }

    public var columns: [Column]
    public var rows: [[String?]]
    /// The command tag, e.g. `SELECT 3`, `INSERT 0 1`, `DELETE 10`.
    public var commandStatus: String
    /// Rows the command affected or returned, when it reports a count.
    public var affectedRows: Int?

    /// A result as a session reports it (a scripted session makes its own).
    public init(columns: [Column] = [], rows: [[String?]] = [], commandStatus: String = "", affectedRows: Int? = nil) {
        self.columns = columns
        self.rows = rows
        self.commandStatus = commandStatus
        self.affectedRows = affectedRows
    }

    /// The index of the column called `name`, if there is one.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The value in `row` of the column called `column`.
    public func value(row: Int, column: String) -> String? {
        guard let index = columnIndex(column) else { return nil }
        return rows[row][index]
    }

    /// The first column of the first row, for single-value queries (`SELECT count(*) …`).
    public var scalar: String? {
        rows.first?.first ?? nil
    }
}
