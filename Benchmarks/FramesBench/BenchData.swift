import Foundation

/// The deterministic 12-column mixed CSV the benchmark reads: integers, decimals, doubles, booleans,
/// dates, timestamps with and without offsets, plain and quoted text, and NULLs.
enum BenchData {
    static let header = "id,customer,quantity,amount,ratio,active,day,created_at,updated_at,city,note,code\n"

    /// Appends rows `first..<first+count` to `output`.
    static func appendRows(_ first: Int, count: Int, to output: inout [UInt8]) {
        var state = UInt64(first) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let cities = ["Lisbon", "Zürich", "São Paulo", "New York, NY", "Kraków", "東京", "Nairobi", "Oslo"]
        for id in first..<(first + count) {
            let r = next()
            let day = 1 + Int(r % 28)
            let month = 1 + Int((r >> 5) % 12)
            let hour = Int((r >> 9) % 24)
            let minute = Int((r >> 14) % 60)
            var row = "\(id),customer-\(r % 100_000),\(Int(r >> 20) % 5000 - 100),"
            row += "\((r >> 3) % 1_000_000).\(String(format: "%02d", Int((r >> 40) % 100))),"
            row += "\(Double(Int64(r >> 12) % 1_000_000) / 977.0),"
            row += (r & 1 == 0 ? "true," : "false,")
            row += "2026-\(pad(month))-\(pad(day)),"
            row +=
                "2026-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)):\(pad(Int(r % 60))).\(String(format: "%06d", Int(r % 1_000_000))),"
            row += id % 10 == 0 ? "," : "2026-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):00+02:00,"
            let city = cities[Int((r >> 33) % UInt64(cities.count))]
            row += city.contains(",") ? "\"\(city)\"," : "\(city),"
            switch id % 4 {
            case 0: row += "\"said \"\"hello\"\", then left\","
            case 1: row += "\"\","
            case 2: row += ","
            default: row += "plain note \(r % 997),"
            }
            row += "\(pad(Int(r % 100)))\(Int(r >> 50) % 1000)\n"
            output.append(contentsOf: row.utf8)
        }
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// Writes a file of `rows` rows (or until `bytes` bytes) and returns its size.
    static func write(to path: String, rows: Int = .max, bytes: Int = .max) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw BenchFailure(message: "cannot write \(path)")
        }
        defer { try? handle.close() }
        var buffer = Array(header.utf8)
        var written = 0
        var row = 0
        while row < rows && written < bytes {
            let count = min(50_000, rows - row)
            appendRows(row, count: count, to: &buffer)
            try handle.write(contentsOf: buffer)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
            row += count
        }
        return written
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
