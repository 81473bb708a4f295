import Foundation
import Testing

@testable import Frames

/// Every file under `Tests/Fixtures/frames/malformed` and the exact error it must give.
@Suite("malformed inputs")
struct MalformedInputTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var file: String
        var kind: FrameError.Kind
        var line: Int
        var column: Int
        var description: String { file }
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/frames/malformed")

    /// CSV columns are 1-based field indexes; JSON Lines columns are 1-based byte offsets in the line.
    static let expectations: [Expectation] = [
        .init(file: "unterminated_quote.csv", kind: .unterminatedQuote, line: 3, column: 2),
        .init(file: "unterminated_quote_first_field.csv", kind: .unterminatedQuote, line: 2, column: 1),
        .init(file: "unterminated_quote_header.csv", kind: .unterminatedQuote, line: 1, column: 2),
        .init(file: "text_after_closing_quote.csv", kind: .textAfterClosingQuote, line: 2, column: 2),
        .init(file: "text_after_closing_quote_multiline.csv", kind: .textAfterClosingQuote, line: 3, column: 2),
        .init(file: "too_many_fields.csv", kind: .tooManyFields, line: 3, column: 3),
        .init(file: "too_many_fields_trailing_comma.csv", kind: .tooManyFields, line: 2, column: 3),
        .init(file: "too_many_fields_after_quoted_newline.csv", kind: .tooManyFields, line: 3, column: 3),
        .init(file: "too_many_fields_bare_cr.csv", kind: .tooManyFields, line: 3, column: 3),
        .init(file: "too_few_fields.csv", kind: .tooFewFields, line: 3, column: 3),
        .init(file: "too_few_fields_blank_line.csv", kind: .tooFewFields, line: 3, column: 2),
        .init(file: "too_few_fields_crlf.csv", kind: .tooFewFields, line: 4, column: 2),
        .init(file: "too_few_fields_last_line_unterminated.csv", kind: .tooFewFields, line: 3, column: 2),
        .init(file: "invalid_utf8_lone_continuation.csv", kind: .invalidUTF8, line: 2, column: 2),
        .init(file: "invalid_utf8_overlong.csv", kind: .invalidUTF8, line: 3, column: 2),
        .init(file: "invalid_utf8_surrogate.csv", kind: .invalidUTF8, line: 2, column: 2),
        .init(file: "invalid_utf8_truncated_sequence.csv", kind: .invalidUTF8, line: 2, column: 2),
        .init(file: "invalid_utf8_above_max.csv", kind: .invalidUTF8, line: 2, column: 2),
        .init(file: "invalid_utf8_latin1.csv", kind: .invalidUTF8, line: 2, column: 2),
        .init(file: "invalid_utf8_in_header.csv", kind: .invalidUTF8, line: 1, column: 2),
        .init(file: "invalid_utf8_in_quoted_multiline.csv", kind: .invalidUTF8, line: 3, column: 2),
        .init(file: "duplicate_header.csv", kind: .duplicateHeader, line: 1, column: 3),
        .init(file: "duplicate_header_quoted.csv", kind: .duplicateHeader, line: 1, column: 3),
        .init(file: "empty_header.csv", kind: .emptyHeader, line: 1, column: 2),
        .init(file: "empty_header_quoted.csv", kind: .emptyHeader, line: 1, column: 2),
        .init(file: "empty_header_trailing_delimiter.csv", kind: .emptyHeader, line: 1, column: 3),
        .init(file: "invalid_json_unclosed_object.jsonl", kind: .invalidJSON, line: 2, column: 8),
        .init(file: "invalid_json_trailing_text.jsonl", kind: .invalidJSON, line: 1, column: 10),
        .init(file: "invalid_json_bad_number.jsonl", kind: .invalidJSON, line: 2, column: 8),
        .init(file: "invalid_json_bad_literal.jsonl", kind: .invalidJSON, line: 1, column: 7),
        .init(file: "invalid_json_unclosed_string.jsonl", kind: .invalidJSON, line: 1, column: 12),
        .init(file: "invalid_json_bad_escape.jsonl", kind: .invalidJSON, line: 1, column: 9),
        .init(file: "invalid_json_lone_surrogate.jsonl", kind: .invalidJSON, line: 3, column: 8),
        .init(file: "invalid_json_control_character.jsonl", kind: .invalidJSON, line: 1, column: 11),
        .init(file: "invalid_json_missing_colon.jsonl", kind: .invalidJSON, line: 1, column: 6),
        .init(file: "invalid_json_nested_unclosed.jsonl", kind: .invalidJSON, line: 1, column: 19),
        .init(file: "not_an_object_array.jsonl", kind: .notAnObject, line: 3, column: 1),
        .init(file: "not_an_object_number.jsonl", kind: .notAnObject, line: 1, column: 1),
        .init(file: "duplicate_key.jsonl", kind: .duplicateKey, line: 1, column: 18),
        .init(file: "empty_key.jsonl", kind: .emptyHeader, line: 1, column: 2),
        .init(file: "invalid_utf8.jsonl", kind: .invalidUTF8, line: 2, column: 8),
    ]

    @Test("the corpus has at least 25 files and each has exactly one expectation")
    func corpusIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).sorted()
        #expect(files.count >= 25)
        #expect(files == Self.expectations.map(\.file).sorted())
    }

    @Test("each malformed input gives its exact error", arguments: expectations)
    func exactError(_ expected: Expectation) throws {
        let path = Self.directory.appendingPathComponent(expected.file).path
        let error = try #require(throws: FrameError.self) {
            if path.hasSuffix(".jsonl") {
                let reader = try JSONLinesReader(path: path, batchRows: 2)
                while try reader.next() != nil {}
            } else {
                let reader = try CSVReader(path: path, options: CSVOptions(batchRows: 1))
                while try reader.next() != nil {}
            }
        }
        #expect(error.kind == expected.kind)
        #expect(error.line == expected.line)
        #expect(error.column == expected.column)
        #expect(error.file == path)
        #expect(error.description.hasPrefix("\(path):\(expected.line):\(expected.column): "))
    }

    @Test(
        "the same errors arrive when the input comes one byte at a time",
        arguments: expectations.filter { $0.file.hasSuffix(".csv") })
    func byteByByte(_ expected: Expectation) throws {
        let bytes = try Array(Data(contentsOf: Self.directory.appendingPathComponent(expected.file)))
        let error = try #require(throws: FrameError.self) {
            let reader = try CSVReader(source: MemoryByteSource(bytes, chunkSize: 1))
            while try reader.next() != nil {}
        }
        #expect(error.kind == expected.kind)
        #expect(error.line == expected.line)
        #expect(error.column == expected.column)
    }
}
