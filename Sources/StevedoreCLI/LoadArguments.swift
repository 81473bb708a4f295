import ArgumentParser
import Blocking
import Foundation
import Frames
import Stevedore
import Warehouse

/// The arguments `load` and `plan` share: what to read, where it goes, how.
struct LoadArguments: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl, arrow }
    enum Mode: String, ExpressibleByArgument, CaseIterable { case replace, partition, append, merge }

    @Argument(
        help: ArgumentHelp(
            "The files to load, in one transaction: paths, globs in quotes ('exports/*.csv.gz'), "
                + "s3://bucket/prefix/*.csv.gz object globs, or - for stdin. A .gz name is gunzipped.",
            valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("The table: schema.table, or table in public.", valueName: "schema.table"))
    var table: String

    @Option(
        help:
            "The file's format (default: from the extension: .jsonl, .arrow/.arrows/.feather, else csv; csv for stdin)."
    )
    var format: Format?

    @Option(
        help: ArgumentHelp(
            "The partition: dimension=value, dimension=first..last or dimension=[start,end); repeat for "
                + "several dimensions, or one dimension for a set of values.",
            valueName: "dimension=key"))
    var partition: [String] = []

    @Option(
        name: .customLong("partition-expr"),
        help: ArgumentHelp(
            "An SQL expression for a dimension (default: the column of that name).", valueName: "dimension=sql"))
    var partitionExpr: [String] = []

    @Option(help: "What to do with the rows already there (default: partition with --partition, else replace).")
    var mode: Mode?

    @Option(help: ArgumentHelp("A key column for --mode merge; repeat for several.", valueName: "column"))
    var key: [String] = []

    @Option(
        name: .customLong("type"), help: ArgumentHelp("Pin a column's type, e.g. zip=text.", valueName: "column=type"))
    var types: [String] = []

    @Option(
        name: .customLong("dist-key"),
        help: ArgumentHelp(
            "Redshift: the distribution key of a table the load creates (DISTSTYLE KEY).", valueName: "column"))
    var distKey: String?

    @Option(
        name: .customLong("dist-style"),
        help: ArgumentHelp(
            "Redshift: the distribution style of a table the load creates: auto (default), even, key or all.",
            valueName: "style"))
    var distStyle: String?

    @Option(
        name: .customLong("sort-key"),
        help: ArgumentHelp(
            "Redshift: a column of the compound sort key of a table the load creates; repeat, in order.",
            valueName: "column"))
    var sortKey: [String] = []

    @Option(
        name: .customLong("part-size"),
        help: ArgumentHelp(
            "The compressed size of each staged part, e.g. 64MiB (default: Redshift sizes for its slices; else 16MiB).",
            valueName: "size"))
    var partSize: String?

    @OptionGroup(title: "CSV dialect") var dialect: CSVDialectOptions

    /// The flags' values and combinations, before anything is read or connected.
    func validate() throws {
        try Validation.check {
            _ = try tableRef()
            _ = try writeMode(for: try partitionSpec())
            _ = try pinnedTypes()
            _ = try sourceFormat()
            _ = try tableDesign()
            _ = try partBytes()
            if files.contains("-") && files.count > 1 {
                throw Failure.usageError("- (stdin) cannot be loaded with other files")
            }
        }
    }

    /// How the input is read: `--format` and the CSV dialect flags.
    func sourceFormat() throws -> SourceFormat {
        do {
            return try dialect.settings(format: format?.rawValue).sourceFormat(CSVSettings.flags)
        } catch {
            throw Failure.usageError(error.message)
        }
    }

    func tableRef() throws -> TableRef { try TableRef(parsing: table) }

    /// `--part-size` in bytes; nil when not given.
    func partBytes() throws -> Int? {
        guard let partSize else { return nil }
        guard let bytes = ByteSize.parse(partSize) else {
            throw Failure.usageError("--part-size '\(partSize)' is not a size such as 64MiB, 100MB or 1048576")
        }
        return bytes
    }

    /// `loader` with `--part-size` (refused, exit 64, where the warehouse advises against it), or
    /// else with the inputs' estimated gzip bytes when the warehouse reads the stage (Redshift).
    func sizingParts(_ loader: Loader, caBundle: String?) async throws -> Loader {
        var options = loader.options
        if let bytes = try partBytes() {
            if let refusal = loader.refusal(ofPartSize: bytes) { throw Failure.usageError("--part-size: \(refusal)") }
            options.partSize = bytes
            options.sizePartsForCluster = false
        } else if loader.sizesPartsForCluster {
            // Folders walked and objects listed on the blocking pool; nil for stdin.
            options.expectedStagedBytes = try await LoadSource.estimatedStagedBytes(files, caBundle: caBundle)
        }
        return loader.with(options: options)
    }

    /// `--dist-key`, `--dist-style` and `--sort-key`; whether the warehouse has them is the
    /// loader's check (PostgreSQL refuses them, exit 64).
    func tableDesign() throws -> TableDesign {
        var design = TableDesign(distributionKey: distKey, sortKeys: sortKey)
        if let distStyle {
            guard let style = TableDesign.DistributionStyle(rawValue: distStyle.lowercased()) else {
                let known = TableDesign.DistributionStyle.allCases.map(\.rawValue).joined(separator: ", ")
                throw Failure.usageError("--dist-style '\(distStyle)' is not one of \(known)")
            }
            design.distributionStyle = style
        }
        if let problem = design.combinationProblem { throw Failure.usageError(problem) }
        return design
    }

    func partitionSpec() throws -> PartitionSpec? {
        try ArgumentParsing.partition(partition, expressions: partitionExpr)
    }

    func pinnedTypes() throws -> [String: ColumnType] { try ArgumentParsing.types(types) }

    func writeMode(for spec: PartitionSpec?) throws -> WriteMode? {
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

    /// The rows of every input, one after the other; S3 object globs are read with the AWS
    /// environment and `caBundle`, as the stage is.
    func source(caBundle: String?) async throws -> LoadSource {
        var format = try sourceFormat()
        format.arrow = ArrowReader.Options(pinnedTypes: try pinnedTypes())
        do {
            return try await .inputs(files, format: format, caBundle: caBundle)
        } catch var error as StevedoreError {
            error.table = table
            throw error
        } catch {
            // A reader's error names the file, line and column itself.
            let message = (error as? FrameError)?.file != nil ? "\(error)" : "\(files.joined(separator: " ")): \(error)"
            throw StevedoreError(code: .input, step: .encode, message: message, table: table, underlying: error)
        }
    }
}
