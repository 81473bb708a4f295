internal import CLibPQ

/// Owns one `PGresult` and frees it on deinit; reads its status, rows and error fields. Immutable
/// once made, so it may be handed from the connection's thread to the actor.
final class ServerResult: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQclear(pointer)
    }

    var status: ExecStatusType { PQresultStatus(pointer) }

    var isError: Bool {
        status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR
    }

    /// The command tag, e.g. `INSERT 0 3` or `COPY 100000`.
    var commandStatus: String {
        PQcmdStatus(pointer).map { String(cString: $0) } ?? ""
    }

    /// Rows affected by INSERT/UPDATE/DELETE/COPY/SELECT, when the command reports a count.
    var affectedRows: Int? {
        guard let text = PQcmdTuples(pointer) else { return nil }
        return Int(String(cString: text))
    }

    /// The rows as text, with column names and type OIDs.
    func queryResult() -> QueryResult {
        let columnCount = Int(PQnfields(pointer))
        let rowCount = Int(PQntuples(pointer))
        var columns: [QueryResult.Column] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            let name = PQfname(pointer, Int32(column)).map { String(cString: $0) } ?? ""
            columns.append(QueryResult.Column(name: name, typeOID: UInt32(PQftype(pointer, Int32(column)))))
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(pointer, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(pointer, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        return QueryResult(
            columns: columns, rows: rows, commandStatus: commandStatus,
            affectedRows: affectedRows)
    }

    /// One of the server's error fields (`PG_DIAG_*`, given by its letter).
    func field(_ letter: Character) -> String? {
        guard let ascii = letter.asciiValue, let value = PQresultErrorField(pointer, Int32(ascii)) else {
            return nil
        }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// The error this result carries, with every field the server sent.
    func error(statement: String?, redact: (String) -> String) -> WarehouseError {
        let primary = field("M") ?? PQresultErrorMessage(pointer).map { String(cString: $0) } ?? ""
        return WarehouseError(
            code: .serverError,
            message: redact(primary.trimmingTrailingNewlines()),
            sqlState: field("C"),
            detail: field("D").map(redact),
            hint: field("H").map(redact),
            context: field("W").map(redact),
            position: field("P").flatMap { Int($0) },
            statement: statement.map(redact))
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
