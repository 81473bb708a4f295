import Foundation
import Frames

// Frames throughput: CSV parse, staged CSV write (with inference), write+gzip at levels 1 and 6,
// beside gzip(1) and Python's csv module on the same file, in one run. Modes:
//   FramesBench [rows]            the benchmark table (default 1,000,000 rows)
//   FramesBench generate PATH GB  writes a CSV of about GB gigabytes
//   FramesBench rows PATH N       writes a CSV of exactly N rows (the same rows every time)
//   FramesBench parse PATH        only reads PATH in batches, for RSS and profiles
//   FramesBench stage PATH        reads PATH and stages it (parse + encode + gzip -1), for RSS
//   FramesBench arrow PATH        reads an Arrow stream or file and times reading, then encoding
//   FramesBench pieces PATH       times each CPU stage of a load on PATH's batches held in memory

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs { fastest = min(fastest, try seconds(body)) }
    return fastest
}

func runTool(_ executable: String, _ arguments: [String]) throws -> Double {
    try seconds {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(message: "\(executable) \(arguments) exited with \(process.terminationStatus)")
        }
    }
}

func readBatches(_ path: String) throws -> [TextBatch] {
    let reader = try CSVReader(path: path)
    var batches: [TextBatch] = []
    while let batch = try reader.next() { batches.append(batch) }
    return batches
}

/// Stages `batches`, compressing at `level` (nil: no gzip); returns (uncompressed, compressed) bytes.
func stage(_ batches: [TextBatch], level: Int?) throws -> (Int, Int) {
    var encoder = StagedCSVEncoder(nullMarker: .emptyField)
    let writer = try level.map { try GzipWriter(level: $0) }
    var plain = 0
    var compressed = 0
    for batch in batches {
        try encoder.append(batch)
        let output = encoder.takeOutput()
        plain += output.count
        if let writer {
            try writer.write(output)
            compressed += writer.drain().count
        }
    }
    if let writer {
        _ = try writer.finish()
        compressed += writer.drain().count
    }
    return (plain, compressed)
}

func benchmark(rows: Int) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("frames-bench-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("bench.csv").path
    let size = try BenchData.write(to: path, rows: rows)
    let megabytes = Double(size) / 1e6
    print("input: \(rows) rows, 12 columns, \(String(format: "%.1f", megabytes)) MB (\(path))")

    var rowCount = 0
    let parse = try best(of: 3) {
        let reader = try CSVReader(path: path)
        rowCount = 0
        while let batch = try reader.next() { rowCount += batch.rowCount }
    }
    guard rowCount == rows else { throw BenchFailure(message: "parsed \(rowCount) rows, expected \(rows)") }
    let batches = try readBatches(path)
    var stagedBytes = 0
    let write = try best(of: 3) { stagedBytes = try stage(batches, level: nil).0 }
    var sizes: [Int: Int] = [:]
    let gzip1 = try best(of: 2) { sizes[1] = try stage(batches, level: 1).1 }
    let gzip6 = try best(of: 2) { sizes[6] = try stage(batches, level: 6).1 }
    let tool1 = try best(of: 2) { _ = try runTool("/bin/gzip", ["-1", "-c", path]) }
    let tool6 = try best(of: 2) { _ = try runTool("/bin/gzip", ["-6", "-c", path]) }
    let python = try runTool(
        "/usr/bin/env",
        [
            "python3", "-c",
            """
            import csv, sys
            n = 0
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                for row in csv.reader(f):
                    n += 1
            """, path,
        ])
    var encoder = StagedCSVEncoder(nullMarker: .emptyField)
    for batch in batches { try encoder.append(batch) }
    print("inferred: \(encoder.schema)")
    print("staged: \(stagedBytes) bytes; gzip -1 \(sizes[1] ?? 0) bytes, gzip -6 \(sizes[6] ?? 0) bytes")
    print("")
    func rate(_ seconds: Double) -> Double { megabytes / seconds }
    let table: [(String, Double, String)] = [
        ("CSV parse (Frames)", rate(parse), String(format: "%.1f× Python csv", python / parse)),
        ("Python csv.reader", rate(python), ""),
        ("staged CSV write + inference", rate(write), ""),
        ("write + gzip level 1", rate(gzip1), String(format: "%.2f× gzip -1", tool1 / gzip1)),
        ("gzip -1 (tool)", rate(tool1), ""),
        ("write + gzip level 6", rate(gzip6), String(format: "%.2f× gzip -6", tool6 / gzip6)),
        ("gzip -6 (tool)", rate(tool6), ""),
    ]
    print("| step | MB/s | ratio |")
    print("| --- | ---: | --- |")
    for (name, value, ratio) in table {
        print("| \(name) | \(String(format: "%.0f", value)) | \(ratio) |")
    }
}

/// Parse + encode + gzip level 1 of a whole file, discarding the output: the loader's pipeline.
func stageFile(_ path: String) throws {
    let reader = try CSVReader(path: path)
    var encoder = StagedCSVEncoder(nullMarker: .emptyField)
    let writer = try GzipWriter(level: 1)
    var rows = 0
    while let batch = try reader.next() {
        try encoder.append(batch)
        try writer.write(encoder.takeOutput())
        _ = writer.drain()
        rows += batch.rowCount
    }
    let summary = try writer.finish()
    print("staged \(rows) rows: \(summary.uncompressedByteCount) bytes → \(summary.compressedByteCount) gzip bytes")
    print("schema: \(encoder.schema)")
}

/// Each CPU stage of a load into a table created before, on a file's batches held in memory (best
/// of 3 each): the staged CSV encoder checking values against the table's types, the binary rewrite of its output, and gzip level 1.
func timePieces(_ path: String) throws {
    var batches: [TextBatch] = []
    let parse = try best(of: 1) { batches = try readBatches(path) }
    // The load into a table created before: the inferred types, integers as bigint, decimals as numeric.
    var inferring = StagedCSVEncoder(nullMarker: .emptyField)
    for batch in batches { try inferring.append(batch) }
    var targets: [String: ColumnType] = [:]
    for field in inferring.schema.fields {
        switch field.type {
        case .smallint, .integer: targets[field.name] = .bigint
        case .decimal: targets[field.name] = .numeric
        default: targets[field.name] = field.type
        }
    }
    var staged: [[UInt8]] = []
    var schema = Schema([])
    let encode = try best(of: 3) {
        var encoder = StagedCSVEncoder(nullMarker: .emptyField, targetTypes: targets)
        staged = []
        for batch in batches {
            try encoder.append(batch)
            staged.append(encoder.takeOutput())
        }
        schema = encoder.schema
    }
    let copy = PostgresBinaryCopy(fields: schema.fields.map { .init(sending: targets[$0.name] ?? $0.type) })
    var binaryBytes = 0
    let binary = try best(of: 3) {
        var buffer: [UInt8] = []
        binaryBytes = 0
        for (batch, csv) in zip(batches, staged) {
            guard let written = copy.encode(csv: csv, rows: batch.rowCount, into: &buffer) else {
                throw BenchFailure(message: "the binary rewrite refused a batch")
            }
            binaryBytes += written
        }
    }
    var fromBatches = 0
    let batchBinary = try best(of: 3) {
        var buffer: [UInt8] = []
        fromBatches = 0
        for batch in batches {
            guard let written = copy.encode(batch, into: &buffer) else {
                throw BenchFailure(message: "the binary rows of a batch were refused")
            }
            fromBatches += written
        }
    }
    let writer = try GzipWriter(level: 1)
    var compressed = 0
    let deflate = try best(of: 3) {
        try writer.restart(output: [])
        for csv in staged {
            try writer.write(csv)
            _ = writer.drain()
        }
        compressed = try writer.finish().compressedByteCount
    }
    let total = staged.reduce(0) { $0 + $1.count }
    print("schema: \(schema)")
    print(
        String(
            format:
                "parse %.3f s, encode+inference %.3f s, binary rewrite %.3f s (%d bytes), binary from batches %.3f s (%d bytes), gzip -1 %.3f s (%d → %d bytes)",
            parse, encode, binary, binaryBytes, batchBinary, fromBatches, deflate, total, compressed))
}

/// Level 1 (Stevedore's deflate) beside zlib's tuned level 1 over a file's staged CSV in 256 KiB writes:
/// MB/s, output size, and the round trip through zlib's inflate.
func compareDeflate(_ path: String) throws {
    let reader = try CSVReader(path: path)
    var encoder = StagedCSVEncoder(nullMarker: .emptyField)
    var batches: [[UInt8]] = []
    while let batch = try reader.next() {
        try encoder.append(batch)
        batches.append(encoder.takeOutput())
    }
    let total = batches.reduce(0) { $0 + $1.count }
    for (name, zlib) in [("level 1", false), ("zlib's level 1", true)] {
        var compressed: [UInt8] = []
        compressed.reserveCapacity(total)
        let writer = try GzipWriter(level: 1, usingZlib: zlib)
        let seconds = try best(of: 5) {
            try writer.restart(output: compressed)
            for batch in batches { try writer.write(batch) }
            _ = try writer.finish()
            compressed = writer.drain()
        }
        let back = try Gzip.decompress(compressed)
        let same = back.count == total && back == Array(batches.joined())
        print(
            String(
                format: "%@: %.0f MB/s, %d → %d bytes (%.1f%%), round trip %@", name,
                Double(total) / seconds / 1e6, total, compressed.count,
                100 * Double(compressed.count) / Double(total), same ? "equal" : "DIFFERS"))
    }
}

let arguments = CommandLine.arguments.dropFirst()
do {
    switch arguments.first {
    case "generate":
        let values = Array(arguments.dropFirst())
        guard values.count == 2, let gigabytes = Double(values[1]) else {
            throw BenchFailure(message: "usage: FramesBench generate PATH GB")
        }
        let size = try BenchData.write(to: values[0], bytes: Int(gigabytes * 1e9))
        print("wrote \(size) bytes to \(values[0])")
    case "rows":
        let values = Array(arguments.dropFirst())
        guard values.count == 2, let rows = Int(values[1]) else {
            throw BenchFailure(message: "usage: FramesBench rows PATH N")
        }
        let size = try BenchData.write(to: values[0], rows: rows)
        print("wrote \(rows) rows, \(size) bytes to \(values[0])")
    case "parse":
        guard let path = arguments.dropFirst().first else {
            throw BenchFailure(message: "usage: FramesBench parse PATH")
        }
        let reader = try CSVReader(path: path)
        var rows = 0
        while let batch = try reader.next() { rows += batch.rowCount }
        print("parsed \(rows) rows")
    case "arrow":
        guard let path = arguments.dropFirst().first else {
            throw BenchFailure(message: "usage: FramesBench arrow PATH")
        }
        var rows = 0
        let read = try best(of: 3) {
            rows = 0
            let reader = try ArrowReader(path: path)
            while let batch = try reader.next() { rows += batch.rowCount }
        }
        let encoded = try best(of: 3) {
            let reader = try ArrowReader(path: path)
            var encoder = StagedCSVEncoder(nullMarker: .emptyField)
            while let batch = try reader.next() {
                try encoder.append(batch)
                _ = encoder.takeOutput()
            }
        }
        print(String(format: "arrow: %d rows, read %.3f s, read+encode %.3f s", rows, read, encoded))
    case "deflate":
        guard let path = arguments.dropFirst().first else {
            throw BenchFailure(message: "usage: FramesBench deflate PATH")
        }
        try compareDeflate(path)
    case "pieces":
        guard let path = arguments.dropFirst().first else {
            throw BenchFailure(message: "usage: FramesBench pieces PATH")
        }
        try timePieces(path)
    case "stage":
        guard let path = arguments.dropFirst().first else {
            throw BenchFailure(message: "usage: FramesBench stage PATH")
        }
        try stageFile(path)
    default:
        try benchmark(rows: arguments.first.flatMap { Int($0) } ?? 1_000_000)
    }
} catch {
    FileHandle.standardError.write(Data("FramesBench: \(error)\n".utf8))
    exit(1)
}
