import ArgumentParser
import Blocking
import Foundation
import Logging
import Stevedore

/// Where the command loads to and stages through, shared by every command.
struct TargetOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The warehouse: postgres://…, redshift://… or a name from stevedore.yml (default: the file's, else $STEVEDORE_WAREHOUSE, else libpq's PG* variables).",
            valueName: "url"))
    var warehouse: String?

    @Option(
        help: ArgumentHelp(
            "The stage: s3://bucket/prefix, file://dir or a name from stevedore.yml (default: the file's, else $STEVEDORE_STAGE, else ./.stevedore/stage).",
            valueName: "url"))
    var stage: String?

    @Option(
        name: .customLong("iam-role"),
        help: ArgumentHelp("The IAM role Redshift reads the stage with.", valueName: "arn"))
    var iamRole: String?

    @Option(help: ArgumentHelp("A configuration file (default: ./stevedore.yml when it exists).", valueName: "path"))
    var config: String?

    @Option(
        name: .customLong("ca-bundle"),
        help: ArgumentHelp(
            "Certificates (PEM) to verify an https:// S3 endpoint with, instead of the system's (default: $AWS_CA_BUNDLE).",
            valueName: "path"))
    var caBundle: String?

    /// A loader for these options; `tune` adjusts its options. Flags win over the configuration
    /// file, which wins over the environment's defaults. The files this reads (the configuration,
    /// the AWS profile) and the stage folder it creates are touched on the blocking pool. `file` is
    /// the configuration when the caller has read it already (one read for all the jobs).
    /// `logins` shares one IAM login per warehouse URL among the loaders made with it.
    func loader(
        verbose: Bool, file loaded: ConfigurationFile? = nil, logins: WarehouseLogins = WarehouseLogins(),
        _ tune: (inout Loader.Options) -> Void = { _ in }
    ) async throws -> Loader {
        let environment = ProcessInfo.processInfo.environment
        let file: ConfigurationFile
        if let loaded {
            file = loaded
        } else {
            file = try await Self.configuration(config, environment: environment)
        }
        let warehouseURL = self.warehouseURL(file, environment: environment)
        let stageURL = try file.stage(stage) ?? environment["STEVEDORE_STAGE"] ?? "file://.stevedore/stage"
        let (dialect, connectionString) = Locations.warehouse(warehouseURL)
        let caBundle = self.caBundle
        // The AWS profile files are read here, for the stage and for an IAM login.
        let (store, prefix, login) = try await BlockingPool.shared.run {
            let (store, prefix) = try Locations.stage(stageURL, caBundle: caBundle)
            let login = try logins.provider(for: warehouseURL) {
                try Locations.warehouseLogin(warehouseURL, caBundle: caBundle)
            }
            return (store, prefix, login)
        }
        var options = Loader.Options()
        if !prefix.isEmpty { options.stagePrefix = prefix }
        options.redshiftServerless = Locations.isRedshiftServerless(warehouseURL)
        if let role = iamRole ?? file.iamRole { options.redshiftAuthorization = .iamRole(role) }
        tune(&options)
        var logger = Logger(label: "stevedore")
        logger.logLevel = verbose ? .info : .error
        return Loader(
            warehouse: connectionString, dialect: dialect, stage: store, options: options, logger: logger, login: login)
    }

    /// The warehouse URL as the user wrote it: `--warehouse` (a URL or a name from `file`), else
    /// `STEVEDORE_WAREHOUSE`, else empty (libpq's `PG*` variables).
    func warehouseURL(_ file: ConfigurationFile, environment: [String: String]) -> String {
        file.warehouse(warehouse) ?? environment["STEVEDORE_WAREHOUSE"] ?? ""
    }

    /// `stevedore.yml` (or the file `--config` names), read on the blocking pool.
    static func configuration(_ path: String?, environment: [String: String]) async throws -> ConfigurationFile {
        try await BlockingPool.shared.run { try ConfigurationFile.load(path: path, environment: environment) }
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
