/// Parses one JSON Lines line (a JSON object) into its top-level fields, as text: strings decoded,
/// numbers as written, `true`/`false`, `null` as NULL, nested objects and arrays as their JSON text.
struct JSONLineParser {
    /// One top-level member: its key and where its text went in the value buffer (nil range: NULL).
    struct Member {
        var key: String
        var value: Range<Int>?
        /// The value is an object or an array, kept as its JSON text.
        var isNested = false
    }

    /// Where and why a line is not a JSON object; `offset` counts from the line's first byte.
    struct Failure: Error {
        var kind: FrameError.Kind
        var offset: Int
        var message: String
    }

    private let bytes: [UInt8]
    private let end: Int
    private let lineStart: Int
    private var index: Int
    private static let maximumDepth = 256

    init(_ bytes: [UInt8], line range: Range<Int>) {
        self.bytes = bytes
        lineStart = range.lowerBound
        index = range.lowerBound
        end = range.upperBound
    }

    /// The members of the line's object, in order, with decoded values appended to `values`.
    mutating func parseObject(into values: inout [UInt8]) throws(Failure) -> [Member] {
        skipSpace()
        guard index < end else { throw failure(.invalidJSON, "empty line") }
        guard bytes[index] == UInt8(ascii: "{") else {
            let start = index
            try skipValue(depth: 0)
            index = start
            throw failure(.notAnObject, "a JSON Lines line must be an object")
        }
        index += 1
        var members: [Member] = []
        skipSpace()
        if index < end && bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                    throw failure(.invalidJSON, "expected a key")
                }
                let keyOffset = index
                var keyBytes: [UInt8] = []
                try parseString(into: &keyBytes)
                let key = String(decoding: keyBytes, as: UTF8.self)
                if key.isEmpty {
                    throw Failure(kind: .emptyHeader, offset: keyOffset - lineStart + 1, message: "empty key")
                }
                if members.contains(where: { $0.key == key }) {
                    throw Failure(
                        kind: .duplicateKey, offset: keyOffset - lineStart + 1, message: "key \"\(key)\" repeated")
                }
                skipSpace()
                guard index < end, bytes[index] == UInt8(ascii: ":") else {
                    throw failure(.invalidJSON, "expected ':'")
                }
                index += 1
                skipSpace()
                let isNested = index < end && (bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "["))
                members.append(Member(key: key, value: try parseMemberValue(into: &values), isNested: isNested))
                skipSpace()
                guard index < end else { throw failure(.invalidJSON, "object is not closed") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    break
                } else {
                    throw failure(.invalidJSON, "expected ',' or '}'")
                }
            }
        }
        skipSpace()
        guard index == end else { throw failure(.invalidJSON, "text after the object") }
        return members
    }

    private mutating func parseMemberValue(into values: inout [UInt8]) throws(Failure) -> Range<Int>? {
        guard index < end else { throw failure(.invalidJSON, "expected a value") }
        let start = values.count
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try parseString(into: &values)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return nil
        default:
            let valueStart = index
            try skipValue(depth: 1)
            values.append(contentsOf: bytes[valueStart..<index])
        }
        return start..<values.count
    }

    /// Skips one JSON value, checking its syntax.
    private mutating func skipValue(depth: Int) throws(Failure) {
        guard depth < Self.maximumDepth else { throw failure(.invalidJSON, "nested too deeply") }
        guard index < end else { throw failure(.invalidJSON, "expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            var scratch: [UInt8] = []
            try parseString(into: &scratch)
        case UInt8(ascii: "t"): try expectWord("true")
        case UInt8(ascii: "f"): try expectWord("false")
        case UInt8(ascii: "n"): try expectWord("null")
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = bytes[index] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipSpace()
            if index < end && bytes[index] == close {
                index += 1
                return
            }
            while true {
                skipSpace()
                if isObject {
                    guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                        throw failure(.invalidJSON, "expected a key")
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard index < end, bytes[index] == UInt8(ascii: ":") else {
                        throw failure(.invalidJSON, "expected ':'")
                    }
                    index += 1
                    skipSpace()
                }
                try skipValue(depth: depth + 1)
                skipSpace()
                guard index < end else { throw failure(.invalidJSON, "\(isObject ? "object" : "array") is not closed") }
                if bytes[index] == close {
                    index += 1
                    return
                }
                guard bytes[index] == UInt8(ascii: ",") else {
                    throw failure(.invalidJSON, "expected ',' or a closing bracket")
                }
                index += 1
            }
        default:
            try skipNumber()
        }
    }

    private mutating func skipNumber() throws(Failure) {
        let start = index
        if index < end && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, isDigit(bytes[index]) else {
            throw Failure(kind: .invalidJSON, offset: start - lineStart + 1, message: "expected a value")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < end, isDigit(bytes[index]) else { throw failure(.invalidJSON, "expected a digit") }
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
        if index < end && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard index < end, isDigit(bytes[index]) else { throw failure(.invalidJSON, "expected a digit") }
            while index < end && isDigit(bytes[index]) { index += 1 }
        }
    }

    /// Decodes the string at `index` (its opening quote) into `output`.
    private mutating func parseString(into output: inout [UInt8]) throws(Failure) {
        index += 1
        while true {
            let runStart = index
            while index < end && bytes[index] != UInt8(ascii: "\"") && bytes[index] != UInt8(ascii: "\\")
                && bytes[index] >= 0x20
            {
                index += 1
            }
            output.append(contentsOf: bytes[runStart..<index])
            guard index < end else { throw failure(.invalidJSON, "string is not closed") }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                try parseEscape(into: &output)
            default:
                throw failure(.invalidJSON, "control character in a string")
            }
        }
    }

    private mutating func parseEscape(into output: inout [UInt8]) throws(Failure) {
        let escapeStart = index
        index += 1
        guard index < end else { throw failure(.invalidJSON, "string is not closed") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw Failure(kind: .invalidJSON, offset: escapeStart - lineStart + 1, message: "lone surrogate")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw Failure(kind: .invalidJSON, offset: escapeStart - lineStart + 1, message: "lone surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw Failure(kind: .invalidJSON, offset: escapeStart - lineStart + 1, message: "lone surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                throw Failure(kind: .invalidJSON, offset: escapeStart - lineStart + 1, message: "invalid code point")
            }
            output.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Failure(kind: .invalidJSON, offset: escapeStart - lineStart + 1, message: "invalid escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= end else { throw failure(.invalidJSON, "\\u needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(.invalidJSON, "\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func expectWord(_ word: StaticString) throws(Failure) {
        let length = word.utf8CodeUnitCount
        guard index + length <= end,
            ValueClassifier.matchesExactly(bytes[index..<(index + length)], word)
        else {
            throw failure(.invalidJSON, "expected a value")
        }
        index += length
    }

    private mutating func skipSpace() {
        while index < end {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func failure(_ kind: FrameError.Kind, _ message: String) -> Failure {
        Failure(kind: kind, offset: index - lineStart + 1, message: message)
    }
}
