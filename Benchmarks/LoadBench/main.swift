import Foundation
import ObjectStore
import Stevedore

// LoadBench FILE.csv SCHEMA.TABLE s3|folder        (STEVEDORE_PART_SIZE_MIB sets the part size,
// STEVEDORE_GZIP_LEVEL the gzip level, STEVEDORE_SEQUENTIAL=1 turns the pipelined copy off)
// Stores a CSV file (header row) into the warehouse libpq's PG* variables point at, replacing the
// table, through the S3 stage (STEVEDORE_TEST_BUCKET or STEVEDORE_BENCH_BUCKET and the AWS
// variables) or a folder stage, and prints the load report with its phase timings.
// scripts/bench-load runs it under /usr/bin/time -v beside psql's \copy of the same file.

let arguments = CommandLine.arguments
guard arguments.count == 4, ["s3", "folder"].contains(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: LoadBench FILE.csv SCHEMA.TABLE s3|folder\n".utf8))
    exit(64)
}
do {
    let environment = ProcessInfo.processInfo.environment
    let stage: any ObjectStore
    if arguments[3] == "s3" {
        guard let bucket = environment["STEVEDORE_BENCH_BUCKET"] ?? environment["STEVEDORE_TEST_BUCKET"] else {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: "set STEVEDORE_BENCH_BUCKET")
        }
        stage = S3Store(try S3Configuration.fromEnvironment(bucket: bucket))
    } else {
        stage = try FileStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("loadbench-stage"))
    }
    var options = Loader.Options()
    if let partSize = environment["STEVEDORE_PART_SIZE_MIB"].flatMap(Int.init) {
        options.partSize = partSize * 1024 * 1024
    }
    if let level = environment["STEVEDORE_GZIP_LEVEL"].flatMap(Int.init) {
        options.gzipLevel = level
    }
    if environment["STEVEDORE_SEQUENTIAL"] == "1" {
        options.pipelinedCopy = false
    }
    let loader = Loader(stage: stage, options: options)
    let started = Date()
    let report = try await loader.store(try await .csv(path: arguments[1]), into: try TableRef(parsing: arguments[2]))
    let seconds = Date().timeIntervalSince(started)
    print(report)
    for phase in report.phases {
        print("  \(phase.name): \(phase.duration)")
    }
    print(String(format: "total %.2f s, %.0f rows/s", seconds, Double(report.rows) / seconds))
} catch {
    FileHandle.standardError.write(Data("LoadBench: \(error)\n".utf8))
    exit(1)
}
