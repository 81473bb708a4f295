/// Nested values (lists, structs, maps) as JSON text, for a `jsonb` or `SUPER` column: lists as
/// arrays, structs and maps as objects; numbers as numbers (NaN and the infinities as strings, which
/// JSON has no numbers for), every other value as the string of its staged text.
extension ArrowText {
    /// The most JSON one nested value may produce: dictionaries and views repeat values, so a
    /// value's text can outgrow its input by far, and a batch's byte limit is checked between rows.
    static let maximumJSONBytes = 64 << 20
    /// The deepest nesting written (the schema's fields nest at most 64 deep; dictionaries add).
    static let maximumJSONDepth = 128

    func appendJSON(_ array: ArrowArray, _ row: Int, to output: inout [UInt8], column: Int) throws(Unwritable) {
        try appendJSON(array, row, to: &output, column: column, depth: 0, limit: output.count + Self.maximumJSONBytes)
    }

    private func appendJSON(
        _ array: ArrowArray, _ row: Int, to output: inout [UInt8], column: Int, depth: Int, limit: Int
    ) throws(Unwritable) {
        guard depth < Self.maximumJSONDepth else {
            throw Unwritable(message: "the value nests deeper than \(Self.maximumJSONDepth) levels")
        }
        guard output.count <= limit else {
            throw Unwritable(message: "the value's JSON exceeds \(Self.maximumJSONBytes >> 20) MiB")
        }
        guard array.isValid(row) else {
            output.append(contentsOf: ArrowText.null)
            return
        }
        if case .dictionary(let bits, let signed, let id) = array.kind {
            let (values, index) = try dictionaryValue(array, row, bits: bits, signed: signed, id: id)
            return try appendJSON(values, index, to: &output, column: column, depth: depth + 1, limit: limit)
        }
        switch array.field.type {
        case .list, .largeList, .fixedSizeList:
            output.append(UInt8(ascii: "["))
            for (position, child) in array.childRange(row).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                try appendJSON(array.children[0], child, to: &output, column: column, depth: depth + 1, limit: limit)
            }
            output.append(UInt8(ascii: "]"))
        case .structure:
            output.append(UInt8(ascii: "{"))
            for (position, child) in array.children.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                ArrowText.appendJSONString(Array(child.field.name.utf8)[...], to: &output)
                output.append(UInt8(ascii: ":"))
                try appendJSON(child, row, to: &output, column: column, depth: depth + 1, limit: limit)
            }
            output.append(UInt8(ascii: "}"))
        case .map:
            let entries = array.children[0]
            output.append(UInt8(ascii: "{"))
            for (position, entry) in array.childRange(row).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                // JSON object keys are strings: a NULL or nested key has no spelling.
                guard entries.isValid(entry), !(try isNull(entries.children[0], entry)) else {
                    throw Unwritable(message: "a map holds a NULL key")
                }
                if entries.children[0].kind == .nested {
                    throw Unwritable(message: "a map's keys are not plain values")
                }
                var key: [UInt8] = []
                try append(entries.children[0], entry, to: &key, column: column)
                ArrowText.appendJSONString(key[...], to: &output)
                output.append(UInt8(ascii: ":"))
                try appendJSON(entries.children[1], entry, to: &output, column: column, depth: depth + 1, limit: limit)
            }
            output.append(UInt8(ascii: "}"))
        case .int, .decimal:
            try append(array, row, to: &output, column: column)
        case .floatingPoint:
            var text: [UInt8] = []
            try append(array, row, to: &text, column: column)
            if text.last.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true {
                output.append(contentsOf: text)
            } else {
                ArrowText.appendJSONString(text[...], to: &output)
            }
        case .bool:
            try append(array, row, to: &output, column: column)
        default:
            var text: [UInt8] = []
            try append(array, row, to: &text, column: column)
            ArrowText.appendJSONString(text[...], to: &output)
        }
    }

    static let null: [UInt8] = Array("null".utf8)

    /// A JSON string of UTF-8 `bytes`, with quotes, backslashes and control characters escaped.
    static func appendJSONString(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
