import Foundation
import TestSupport
import Testing

/// The SQL one `stevedore` run sent to the test PostgreSQL server, read back from the server's log.
/// The run gets an application name of its own and turns on `log_statement` for its sessions alone
/// (`scripts/services` puts the application name in every log line and exports the log's path).
struct SentStatements {
    let application = "sql-check-" + UUID().uuidString.prefix(8).lowercased()

    /// The environment that makes a run's statements findable; merge it into `CLI.run`'s.
    var environment: [String: String] { ["PGAPPNAME": application, "PGOPTIONS": "-c log_statement=all"] }

    /// The statement texts the run's sessions executed, in order; bind parameters are not part of
    /// them (the server logs those on `DETAIL` lines, which are left out).
    func texts() throws -> [String] {
        let path = try TestServices.value("STEVEDORE_TEST_PG_LOG")
        let log = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let marker = " {\(application)} LOG:  "
        var texts: [String] = []
        var current: String?
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t"), current != nil {
                current! += "\n" + line.dropFirst()  // the server indents a message's later lines
                continue
            }
            if let current { texts.append(current) }
            current = nil
            guard let start = line.range(of: marker) else { continue }
            let message = line[start.upperBound...]
            if message.hasPrefix("statement: ") {
                current = String(message.dropFirst("statement: ".count))
            } else if message.hasPrefix("execute "), let colon = message.range(of: ": ") {
                current = String(message[colon.upperBound...])
            }
        }
        if let current { texts.append(current) }
        return texts
    }

    /// The kinds of statement a load sends to PostgreSQL.
    static let ownKinds = [
        "SET TimeZone = 'UTC'", "SELECT ", "BEGIN", "COMMIT", "ROLLBACK", "CREATE SCHEMA IF NOT EXISTS ",
        "CREATE TABLE IF NOT EXISTS ", "CREATE INDEX IF NOT EXISTS ", "CREATE TEMPORARY TABLE ", "CREATE TEMP TABLE ",
        "ALTER TABLE ", "DELETE FROM ", "COPY ", "INSERT INTO ", "LOCK TABLE ",
    ]

    /// What is wrong with `statement` as one of Stevedore's own, or nil: with its quoted identifiers
    /// blanked, it must be one statement of a known kind, with no comment and no literal (values
    /// go as bind parameters; `SET TimeZone = 'UTC'` is the one literal Stevedore writes).
    static func problem(in statement: String) -> String? {
        if statement == "SET TimeZone = 'UTC'" { return nil }
        var code = ""
        var literals = 0
        var index = statement.startIndex
        while index < statement.endIndex {
            let character = statement[index]
            guard character == "\"" || character == "'" else {
                code.append(character)
                index = statement.index(after: index)
                continue
            }
            // A quoted identifier or literal runs to the next lone quote of its kind ("" and '' escape).
            var end = statement.index(after: index)
            while end < statement.endIndex {
                if statement[end] == character {
                    let next = statement.index(after: end)
                    if next < statement.endIndex, statement[next] == character {
                        end = statement.index(after: next)
                        continue
                    }
                    break
                }
                end = statement.index(after: end)
            }
            guard end < statement.endIndex else { return "an unterminated \(character) quote" }
            if character == "'" { literals += 1 }
            code += "\(character)_\(character)"
            index = statement.index(after: end)
        }
        if literals > 0 { return "a string literal" }
        for token in [";", "--", "/*", "$$"] where code.contains(token) { return "\(token) outside a quoted name" }
        if !ownKinds.contains(where: { code.hasPrefix($0) }) { return "not a kind of statement Stevedore sends" }
        return nil
    }

    /// Expects every statement the run sent to be one of Stevedore's own (see `problem(in:)`), and
    /// their number to be in `count` (`0...0` for a run refused before it connects). Returns the
    /// statements for further checks.
    @discardableResult
    func expectOnlyOwn(_ label: String, count: ClosedRange<Int>, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> [String]
    {
        let texts = try texts()
        #expect(
            count.contains(texts.count), "\(label): \(texts.count) statements: \(texts)", sourceLocation: sourceLocation
        )
        for text in texts {
            if let problem = Self.problem(in: text) {
                Issue.record("\(label): \(problem) in \(text)", sourceLocation: sourceLocation)
            }
        }
        return texts
    }
}
