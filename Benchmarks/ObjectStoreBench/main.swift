import Foundation
import ObjectStore

// stevedore-objectstore-bench put FILE KEY | get KEY FILE
// Moves one object between a local file and the bucket named by STEVEDORE_TEST_BUCKET (or
// STEVEDORE_BENCH_BUCKET), with credentials, region and endpoint from the usual AWS variables.
// Prints one line: operation, bytes, seconds, MB/s. scripts/bench-objectstore runs it under
// /usr/bin/time -v to read the peak RSS.

let arguments = CommandLine.arguments
guard arguments.count == 4, ["put", "get"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: stevedore-objectstore-bench put FILE KEY | get KEY FILE\n".utf8))
    exit(64)
}
let environment = ProcessInfo.processInfo.environment
guard let bucket = environment["STEVEDORE_BENCH_BUCKET"] ?? environment["STEVEDORE_TEST_BUCKET"] else {
    FileHandle.standardError.write(Data("set STEVEDORE_BENCH_BUCKET or STEVEDORE_TEST_BUCKET\n".utf8))
    exit(64)
}

do {
    var configuration = try S3Configuration.fromEnvironment(bucket: bucket)
    // Knobs for measuring the transfer settings (scripts/bench leaves them at their defaults).
    if let value = environment["STEVEDORE_BENCH_CONCURRENCY"].flatMap(Int.init) { configuration.concurrency = value }
    if let value = environment["STEVEDORE_BENCH_PART_MIB"].flatMap(Int.init) { configuration.partSize = value << 20 }
    let store = S3Store(configuration)
    let started = Date()
    let bytes: Int64
    if arguments[1] == "put" {
        bytes = try await store.put(arguments[3], body: .file(path: arguments[2])).size
    } else {
        guard FileManager.default.createFile(atPath: arguments[3], contents: nil) else {
            FileHandle.standardError.write(Data("cannot create \(arguments[3])\n".utf8))
            exit(1)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: arguments[3]))
        bytes = try await store.get(arguments[2], range: nil) { chunk in try output.write(contentsOf: chunk) }.size
        try output.close()
    }
    let seconds = Date().timeIntervalSince(started)
    print(
        "\(arguments[1]) \(bytes) bytes \(String(format: "%.2f", seconds)) s \(String(format: "%.1f", Double(bytes) / seconds / 1e6)) MB/s"
    )
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
