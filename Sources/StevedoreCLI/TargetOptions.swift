import ArgumentParser
import Foundation
import Logging
import Stevedore

/// Where the command loads to and stages through, shared by every command.
struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The warehouse: postgres://… or redshift://… (default $STEVEDORE_WAREHOUSE, else libpq's PG* variables).",
                               valueName: "url"))
    var warehouse: String?

    @Option(help: ArgumentHelp("The stage: s3://bucket/prefix or file://dir (default $STEVEDORE_STAGE, else ./.stevedore/stage).",
                               valueName: "url"))
    var stage: String?

    @Option(name: .customLong("iam-role"), help: ArgumentHelp("The IAM role Redshift reads the stage with.", valueName: "arn"))
    var iamRole: String?

    /// A loader for these options; `tune` adjusts its options.
    func loader(verbose: Bool, _ tune: (inout Loader.Options) -> Void = { _ in }) throws -> Loader {
        let environment = ProcessInfo.processInfo.environment
        let (dialect, connectionString) = Locations.warehouse(warehouse ?? environment["STEVEDORE_WAREHOUSE"] ?? "")
        let (store, prefix) = try Locations.stage(stage ?? environment["STEVEDORE_STAGE"] ?? "file://.stevedore/stage")
        var options = Loader.Options()
        if !prefix.isEmpty { options.stagePrefix = prefix }
        if let iamRole { options.redshiftAuthorization = .iamRole(iamRole) }
        tune(&options)
        var logger = Logger(label: "stevedore")
        logger.logLevel = verbose ? .info : .error
        return Loader(warehouse: connectionString, dialect: dialect, stage: store, options: options, logger: logger)
    }
}

/// How the command reports.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object on stdout instead of text.")
    var json = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Add the underlying detail to errors, and log each phase on stderr.")
    var verbose = false
}
