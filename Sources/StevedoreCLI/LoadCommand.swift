import ArgumentParser
import Foundation
import Frames
import Stevedore

/// `stevedore load`: one file (or stdin) into one table, through the stage, in one transaction.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a CSV or JSON Lines file into a table.",
        discussion: "Example: stevedore load sales-2024-01-02.csv --table analytics.sales --partition sale_date=2024-01-02")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }
    enum Mode: String, ExpressibleByArgument, CaseIterable { case replace, partition, append, merge }

    @Argument(help: ArgumentHelp("The file to load, or - for stdin (CSV). A .gz name is gunzipped.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The table: schema.table, or table in public.", valueName: "schema.table"))
    var table: String

    @Option(help: "The file's format (default: from the extension; csv for stdin).")
    var format: Format?

    @Option(help: ArgumentHelp("The partition: dimension=value or dimension=first..last; repeat for several dimensions.",
                               valueName: "dimension=key"))
    var partition: [String] = []

    @Option(name: .customLong("partition-expr"),
            help: ArgumentHelp("An SQL expression for a dimension (default: the column of that name).", valueName: "dimension=sql"))
    var partitionExpr: [String] = []

    @Option(help: "What to do with the rows already there (default: partition with --partition, else replace).")
    var mode: Mode?

    @Option(help: ArgumentHelp("A key column for --mode merge; repeat for several.", valueName: "column"))
    var key: [String] = []

    @Option(name: .customLong("type"), help: ArgumentHelp("Pin a column's type, e.g. zip=text.", valueName: "column=type"))
    var types: [String] = []

    @Flag(name: .customLong("keep-stage"), help: "Keep the staged parts after the load.")
    var keepStage = false

    @Flag(name: .customLong("skip-unchanged"), help: "Copy nothing when the content equals the partition's last load.")
    var skipUnchanged = false

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let spec = try ArgumentParsing.partition(partition, expressions: partitionExpr)
            let pinned = try ArgumentParsing.types(types)
            let writeMode = try resolvedMode(partition: spec)
            let tableRef = try TableRef(parsing: table)
            let loader = try target.loader(verbose: output.verbose) { options in
                options.pinnedTypes = pinned
                options.keepStage = keepStage
                options.skipUnchanged = skipUnchanged
            }
            let source = try self.source()
            let report = try await loader.store(source, into: tableRef, partition: spec, mode: writeMode)
            if output.json {
                print(ReportJSON.load(report))
            } else if !output.quiet {
                print(report)
            }
        }
    }

    private func resolvedMode(partition spec: PartitionSpec?) throws -> WriteMode? {
        switch mode {
        case nil: return nil
        case .replace: return .replace
        case .partition:
            guard spec != nil else { throw Failure.usageError("--mode partition needs --partition") }
            return .replacePartition
        case .append: return .append
        case .merge:
            guard !key.isEmpty else { throw Failure.usageError("--mode merge needs at least one --key column") }
            return .merge(keys: key)
        }
    }

    private func source() throws -> LoadSource {
        let chosen = format ?? ((file.hasSuffix(".jsonl") || file.hasSuffix(".jsonl.gz") || file.hasSuffix(".ndjson"))
            ? .jsonl : .csv)
        if file != "-" && !FileManager.default.fileExists(atPath: file) {
            throw StevedoreError(code: .input, step: .encode, message: "\(file): no such file")
        }
        do {
            switch chosen {
            case .csv: return try .csv(path: file)
            case .jsonl: return try .jsonLines(path: file)
            }
        } catch {
            throw StevedoreError(code: .input, step: .encode, message: "\(file): \(error)", underlying: error)
        }
    }
}
