import Foundation
import Frames
import Stevedore

/// Writes a frame as JSON Lines: one object per row, keys in column order, NULL as `null`;
/// numbers and booleans as JSON numbers and booleans (decimals exactly as written, non-finite
/// doubles as strings), `json` columns as their JSON, everything else as strings.
enum JSONLinesWriter {
    static func write(_ frame: Frame, to handle: FileHandle) throws {
        let names = frame.columns.map { JSONText.quote($0.name) }
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
        case .double(let number): return number.isFinite ? "\(value)" : JSONText.quote("\(value)")
        case .json(let text): return text
        default: return JSONText.quote("\(value)")
        }
    }
}
