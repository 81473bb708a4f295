import ArgumentParser
import Blocking
import Foundation
import Frames
import Stevedore

/// `stevedore unload`: a table or partition out as CSV, to a file, stdout or the stage.
struct UnloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unload",
        abstract: "Write a table or partition as CSV (no header) to a file, stdout, or a stage as gzip parts.",
        discussion: "Example: stevedore unload --table analytics.sales --partition sale_date=2024-01-02 --to day.csv")

    @Option(help: ArgumentHelp("The table: schema.table.", valueName: "schema.table"))
    var table: String

    @Option(
        help: ArgumentHelp(
            "The partition: dimension=value, dimension=first..last or dimension=[start,end); repeat for "
                + "several dimensions, or one dimension for a set of values.",
            valueName: "dimension=key"))
    var partition: [String] = []

    @Option(
        name: .customLong("partition-expr"),
        help: ArgumentHelp("An SQL expression for a dimension.", valueName: "dimension=sql"))
    var partitionExpr: [String] = []

    @Option(help: ArgumentHelp("The columns to write, in order (default: all).", valueName: "a,b,…"))
    var columns: String?

    @Option(
        help: ArgumentHelp(
            "Where to write: a file, - for stdout, or s3://bucket/prefix / file://dir for gzip parts and a manifest.",
            valueName: "target"))
    var to: String = "-"

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl, arrow }

    @Option(
        help: ArgumentHelp(
            "csv (no header), jsonl (one object per row; held in memory, for modest tables) or arrow (Arrow IPC: "
                + "the file format for a .arrow or .feather --to, else the stream format; typed, streamed)."))
    var format: Format = .csv

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Written: Encodable {
        var rows: Int
        var columns: [String]
        var to: String
    }

    struct Exported: Encodable {
        var rows: Int
        var parts: [String]
        var manifest: String
    }

    func validate() throws {
        try Validation.check {
            _ = try TableRef(parsing: table)
            _ = try ArgumentParsing.partition(partition, expressions: partitionExpr)
            if format != .csv && (to.hasPrefix("s3://") || to.hasPrefix("file://")) {
                throw Failure.usageError(
                    "--format \(format.rawValue) writes to a file or stdout; a stage takes gzip CSV parts")
            }
        }
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let spec = try ArgumentParsing.partition(partition, expressions: partitionExpr)
            let tableRef = try TableRef(parsing: table)
            let picked = columns.map {
                $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            }
            if format == .jsonl {
                let loader = try await target.loader(verbose: output.verbose)
                let frame = try await loader.load(tableRef, partition: spec, columns: picked)
                let to = self.to
                try await BlockingPool.shared.run {
                    if to == "-" {
                        try JSONLinesWriter.write(frame, to: FileHandle.standardOutput)
                        return
                    }
                    guard FileManager.default.createFile(atPath: to, contents: nil),
                        let handle = FileHandle(forWritingAtPath: to)
                    else {
                        throw Failure.usageError("cannot write \(to)")
                    }
                    defer { try? handle.close() }
                    try JSONLinesWriter.write(frame, to: handle)
                }
                return
            }
            if format == .arrow {
                let loader = try await target.loader(verbose: output.verbose)
                let (schema, rows) =
                    to == "-"
                    ? try await loader.unloadArrow(tableRef, partition: spec, columns: picked, to: .standardOutput)
                    : try await loader.unloadArrow(tableRef, partition: spec, columns: picked, toFile: to)
                report(rows: rows, schema: schema, table: tableRef)
                return
            }
            if to.hasPrefix("s3://") || to.hasPrefix("file://") {
                var stageTarget = target
                stageTarget.stage = to
                let loader = try await stageTarget.loader(verbose: output.verbose)
                // The parts go exactly under --to, not under the loads' default prefix.
                let to = self.to
                let prefix = try await BlockingPool.shared.run { try Locations.stage(to).prefix }
                let report = try await loader.export(tableRef, partition: spec, columns: picked, toStagePrefix: prefix)
                if output.json {
                    print(
                        ReportJSON.encode(
                            Exported(
                                rows: report.rows, parts: report.parts.map(\.key),
                                manifest: report.manifestKey)))
                } else if !output.quiet {
                    FileHandle.standardError.write(
                        Data(
                            "wrote \(report.rows) rows in \(report.parts.count) parts and \(report.manifestKey) to \(to)\n"
                                .utf8))
                }
                return
            }
            let loader = try await target.loader(verbose: output.verbose)
            let (schema, rows) =
                to == "-"
                ? try await loader.unload(tableRef, partition: spec, columns: picked, to: FileHandle.standardOutput)
                : try await loader.unload(tableRef, partition: spec, columns: picked, toFile: to)
            report(rows: rows, schema: schema, table: tableRef)
        }
    }

    /// Says what was written to a file (nothing for stdout, which holds the rows).
    private func report(rows: Int, schema: Schema, table: TableRef) {
        if output.json && to != "-" {
            print(ReportJSON.encode(Written(rows: rows, columns: schema.names, to: to)))
        } else if to != "-" && !output.quiet {
            FileHandle.standardError.write(
                Data("wrote \(rows) rows (\(schema.names.joined(separator: ","))) of \(table) to \(to)\n".utf8))
        }
    }
}
