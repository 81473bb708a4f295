/// How a CSV header's names become column names: as written (the warehouse quotes them; Redshift
/// still folds them to lowercase), or in snake_case, so `Order ID` becomes `order_id`.
public enum ColumnNaming: String, Sendable, Hashable, CaseIterable {
    case keep
    case snakeCase = "snake_case"

    /// The column names for `names`, in order. Two names that become one are an error naming both.
    public func apply(_ names: [String], file: String?, line: Int?) throws(FrameError) -> [String] {
        guard self == .snakeCase else { return names }
        var firstWith: [String: String] = [:]
        var converted: [String] = []
        for (index, name) in names.enumerated() {
            let snake = Self.snakeCase(name)
            if snake.isEmpty {
                throw FrameError(
                    kind: .emptyHeader, file: file, line: line, column: index + 1, columnName: name,
                    message: "the column name has no letter or digit to make a snake_case name of")
            }
            if let earlier = firstWith[snake] {
                throw FrameError(
                    kind: .duplicateHeader, file: file, line: line, column: index + 1, columnName: name,
                    message: "columns '\(earlier)' and '\(name)' both become '\(snake)' with snake_case names")
            }
            firstWith[snake] = name
            converted.append(snake)
        }
        return converted
    }

    /// `Order ID` → `order_id`, `CustomerName` → `customer_name`, `HTTPStatus` → `http_status`,
    /// `2nd place` → `_2nd_place`: a word break before an upper-case letter that follows a lower-case
    /// letter or digit (or that starts a word after capitals), every run of other characters one `_`,
    /// none at the ends, lower case, and `_` before a leading digit.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        var pendingBreak = false
        for (index, character) in characters.enumerated() {
            guard character.isLetter || character.isNumber else {
                pendingBreak = !result.isEmpty
                continue
            }
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber
                    || (previous.isUppercase && next?.isLowercase == true)
                {
                    pendingBreak = !result.isEmpty
                }
            }
            if pendingBreak {
                result += "_"
                pendingBreak = false
            }
            result += character.lowercased()
        }
        if let first = result.first, first.isNumber { result = "_" + result }
        return result
    }
}
