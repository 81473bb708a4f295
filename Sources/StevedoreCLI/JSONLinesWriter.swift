import Foundation
import Frames

/// Writes a frame as JSON Lines: one object per row, keys in column order, NULL as `null`;
/// numbers and booleans as JSON numbers and booleans (decimals exactly as written, non-finite
/// doubles as strings), `json` columns as their JSON, everything else as strings.
enum JSONLinesWriter {
    static func write(_ frame: Frame, to handle: FileHandle) throws {
        let names = frame.columns.map { quote($0.name) }
        var buffer = ""
        for row in 0..<frame.rowCount {
            var fields: [String] = []
            fields.reserveCapacity(names.count)
            for (index, column) in frame.columns.enumerated() {
                fields.append("\(names[index]):\(render(column.values[row]))")
            }
            buffer += "{" + fields.joined(separator: ",") + "}\n"
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    static func render(_ value: Value?) -> String {
        guard let value else { return "null" }
        switch value {
        case .boolean(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .decimal(let number): return number.description
        case .double(let number): return number.isFinite ? "\(value)" : quote("\(value)")
        case .json(let text): return text
        default: return quote("\(value)")
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
