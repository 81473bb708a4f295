extension Dialect {
    /// Throws `invalidRequest` naming `name` when the warehouse cannot keep it as given: empty,
    /// longer than `maxIdentifierBytes` UTF-8 bytes (the server would silently cut it), or holding NUL.
    public func validateIdentifier(_ name: String) throws {
        let problem: String?
        if name.isEmpty {
            problem = "is empty"
        } else if name.utf8.contains(0) {
            problem = "contains a NUL character"
        } else if name.utf8.count > maxIdentifierBytes {
            problem = "is \(name.utf8.count) bytes long; \(self.name) keeps at most \(maxIdentifierBytes)"
        } else {
            problem = nil
        }
        if let problem {
            throw WarehouseError(code: .invalidRequest, message: "identifier \(quoteIdentifier(name)) \(problem)")
        }
    }

    /// Throws `invalidRequest` when a table cannot hold `count` columns.
    public func validateColumnCount(_ count: Int) throws {
        if count > maxColumns {
            throw WarehouseError(
                code: .invalidRequest,
                message: "the data has \(count) columns; a \(name) table holds at most \(maxColumns)")
        }
    }
}
