import Foundation

/// Reads JSON Lines (one object per line) in batches of bounded size. Keys become columns: the union
/// over all lines in first-seen order, so a later batch may have more columns than an earlier one
/// (always the earlier ones first); a key absent from a line is NULL there. Errors name line and
/// the byte column in that line.
public final class JSONLinesReader {
    /// The input's name in errors.
    public let file: String?
    /// The keys seen so far, in first-seen order.
    public private(set) var columnNames: [String] = []
    private var columnIndex: [String: Int] = [:]
    private let source: any ByteSource
    private let batchRows: Int
    private let batchBytes: Int
    private var chunk: [UInt8] = []
    private var position = 0
    /// The start of a line that continues into the next chunk.
    private var pending: [UInt8] = []
    private var sourceEnded = false
    private var line = 0

    public init(source: any ByteSource, file: String? = nil, batchRows: Int = 65_536, batchBytes: Int = 8 << 20) {
        self.source = source
        self.file = file
        self.batchRows = max(1, batchRows)
        self.batchBytes = max(1, batchBytes)
    }

    /// Reads the file at `path` (gunzipping it when the name ends in `.gz`), or stdin for `-`.
    public convenience init(path: String, batchRows: Int = 65_536, batchBytes: Int = 8 << 20) throws {
        let raw: any ByteSource =
            path == "-"
            ? FileByteSource(handle: FileHandle.standardInput)
            : try FileByteSource(path: path, chunkSize: path.hasSuffix(".gz") ? 256 << 10 : 1 << 20)
        let source: any ByteSource = path.hasSuffix(".gz") ? try GzipByteSource(raw) : raw
        self.init(source: source, file: path, batchRows: batchRows, batchBytes: batchBytes)
    }

    /// The next batch of rows (with every column seen so far), or nil at the end of the input.
    public func next() throws -> TextBatch? {
        var values: [UInt8] = []
        var rows: [(line: Int, members: [(column: Int, value: Range<Int>?)])] = []
        // Per column: values seen, and how many of them were nested objects or arrays.
        var valueCounts: [Int] = []
        var nestedCounts: [Int] = []
        while rows.count < batchRows && values.count < batchBytes, let (bytes, range) = try nextLine() {
            var parser = JSONLineParser(bytes, line: range)
            if range.isEmpty || bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if let bad = UTF8Validation.firstInvalid(in: bytes, range) {
                throw FrameError(
                    kind: .invalidUTF8, file: file, line: line, column: bad - range.lowerBound + 1,
                    message: "invalid UTF-8")
            }
            let members: [JSONLineParser.Member]
            do {
                members = try parser.parseObject(into: &values)
            } catch {
                throw FrameError(kind: error.kind, file: file, line: line, column: error.offset, message: error.message)
            }
            rows.append(
                (
                    line,
                    members.map { member in
                        let index: Int
                        if let known = columnIndex[member.key] {
                            index = known
                        } else {
                            index = columnNames.count
                            columnIndex[member.key] = index
                            columnNames.append(member.key)
                        }
                        while valueCounts.count <= index {
                            valueCounts.append(0)
                            nestedCounts.append(0)
                        }
                        if member.value != nil { valueCounts[index] += 1 }
                        if member.isNested { nestedCounts[index] += 1 }
                        return (index, member.value)
                    }
                ))
        }
        guard !rows.isEmpty else { return nil }
        var batch = TextBatch(columnNames: columnNames, file: file)
        if nestedCounts.contains(where: { $0 > 0 }) {
            batch.nestedJSONColumns = columnNames.indices.map {
                $0 < nestedCounts.count && nestedCounts[$0] > 0 && nestedCounts[$0] == valueCounts[$0]
            }
        }
        var fields = [Range<Int>?](repeating: nil, count: columnNames.count)
        for row in rows {
            for index in fields.indices { fields[index] = nil }
            for member in row.members { fields[member.column] = member.value }
            for field in fields { batch.appendField(field.map { values[$0] }) }
            batch.endRow(line: row.line)
        }
        return batch
    }

    /// Every remaining row typed by `schema` (keys the schema lacks are an error), as one frame.
    public func readFrame(schema: Schema) throws -> Frame {
        var frame = try Frame(schema: schema)
        while let batch = try next() {
            try frame.append(contentsOf: Frame(batch, schema: schema))
        }
        return frame
    }

    /// The next line's bytes (without LF), in whichever buffer holds it.
    private func nextLine() throws -> ([UInt8], Range<Int>)? {
        while true {
            if let newline = chunk[position...].firstIndex(of: 0x0A) {
                line += 1
                if pending.isEmpty {
                    defer { position = newline + 1 }
                    return (chunk, position..<newline)
                }
                pending += chunk[position..<newline]
                position = newline + 1
                let whole = pending
                pending.removeAll(keepingCapacity: true)
                return (whole, 0..<whole.count)
            }
            pending += chunk[position...]
            position = chunk.count
            if sourceEnded {
                guard !pending.isEmpty else { return nil }
                line += 1
                let whole = pending
                pending.removeAll()
                return (whole, 0..<whole.count)
            }
            chunk = try source.read(naming: file)
            position = 0
            if chunk.isEmpty { sourceEnded = true }
            if line == 0 && pending.isEmpty && chunk.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
    }
}
