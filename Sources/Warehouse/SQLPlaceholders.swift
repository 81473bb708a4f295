/// Finds the bind placeholders (`$1`, `$2`, …) of SQL text, skipping quoted identifiers and string
/// literals, so that a hostile name such as `"a$1"` is never mistaken for a placeholder. It knows
/// the SQL Stevedore writes: standard `'…'` literals, not `E'…'` escapes, dollar quotes or comments.
enum SQLPlaceholders {
    /// `statement.sql` with each `$n` replaced by `literal(value)` of its parameter, or `NULL` for
    /// nil; a placeholder without a parameter is an `invalidRequest`.
    static func inline(_ statement: SQLStatement, literal: (_ value: String, _ placeholder: String) throws -> String)
        throws -> String
    {
        try rewrite(statement.sql) { number in
            guard number >= 1, number <= statement.parameters.count else {
                throw WarehouseError(
                    code: .invalidRequest,
                    message: "placeholder $\(number) has no parameter (\(statement.parameters.count) given)")
            }
            guard let value = statement.parameters[number - 1] else { return "NULL" }
            return try literal(value, "parameter $\(number)")
        }
    }

    /// `sql` with every placeholder `$n` replaced by `replacement(n)`; everything else is kept.
    static func rewrite(_ sql: String, _ replacement: (Int) throws -> String) rethrows -> String {
        let scalars = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\"" || scalar == "'" {
                let end = endOfQuoted(scalars, from: index, quote: scalar)
                out.append(contentsOf: scalars[index..<end])
                index = end
                continue
            }
            if scalar == "$" {
                var digitsEnd = index + 1
                while digitsEnd < scalars.count, ("0"..."9").contains(scalars[digitsEnd]) { digitsEnd += 1 }
                if digitsEnd > index + 1,
                    let number = Int(String(String.UnicodeScalarView(scalars[(index + 1)..<digitsEnd])))
                {
                    out.append(contentsOf: try replacement(number).unicodeScalars)
                    index = digitsEnd
                    continue
                }
            }
            out.append(scalar)
            index += 1
        }
        return String(out)
    }

    /// The index just past the quoted run starting at `start` (a doubled quote stays inside it);
    /// the end of the text when the run is not closed.
    private static func endOfQuoted(_ scalars: [Unicode.Scalar], from start: Int, quote: Unicode.Scalar) -> Int {
        var index = start + 1
        while index < scalars.count {
            if scalars[index] == quote {
                if index + 1 < scalars.count, scalars[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return scalars.count
    }
}
