import Foundation
import Stevedore
import Yams

/// `stevedore.yml`: named warehouses and stages, and defaults, so commands need fewer flags.
/// Values may reference the environment as `${VAR}`. Flags override it; nothing is written back.
///
///     warehouses:
///       local: postgres://stevedore@127.0.0.1:54329/stevedore
///     stages:
///       lake: s3://my-bucket/stevedore
///     defaults:
///       warehouse: local
///       stage: lake
///       iam_role: arn:aws:iam::123456789012:role/Loader
struct ConfigurationFile: Sendable, Equatable {
    var warehouses: [String: String] = [:]
    var stages: [String: String] = [:]
    var defaultWarehouse: String?
    var defaultStage: String?
    var iamRole: String?
    var path: String?
    /// The scheduler's jobs (docs/scheduling.md), by name.
    var jobs: [JobEntry] = []
    var scheduler = SchedulerSettings()

    /// The file at `path`, or `./stevedore.yml` when it exists; an empty configuration otherwise.
    static func load(path: String?, environment: [String: String]) throws -> ConfigurationFile {
        let chosen = path ?? (FileManager.default.fileExists(atPath: "stevedore.yml") ? "stevedore.yml" : nil)
        guard let chosen else { return ConfigurationFile() }
        guard let data = FileManager.default.contents(atPath: chosen) else {
            throw Failure.usageError("cannot read the configuration file \(chosen)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: chosen, environment: environment)
    }

    /// Decodes `text` (`ConfigurationDocument`, with Yams' `YAMLDecoder`) and gives it meaning:
    /// names resolved, `${VAR}` expanded, jobs checked. Every error is a usage error naming `path`.
    static func parse(_ text: String, path: String, environment: [String: String]) throws -> ConfigurationFile {
        let document: ConfigurationDocument
        do {
            document = try YAMLDecoder().decode(ConfigurationDocument.self, from: text)
        } catch let problem as ConfigurationProblem {
            throw Failure.usageError("\(path): \(problem)")
        } catch DecodingError.dataCorrupted(let context) where context.underlyingError is ConfigurationProblem {
            throw Failure.usageError("\(path): \(context.underlyingError!)")
        } catch DecodingError.dataCorrupted(let context) where context.underlyingError != nil {
            throw Failure.usageError("\(path): not valid YAML: \(context.underlyingError!)")
        } catch {
            throw Failure.usageError("\(path): not valid YAML: \(error)")
        }
        func expanded(_ names: [String: String], _ key: String) throws -> [String: String] {
            try names.mapValues { try expand($0, at: key, path: path, environment: environment) }
        }
        var configuration = ConfigurationFile(path: path)
        configuration.warehouses = try expanded(document.warehouses, "warehouses")
        configuration.stages = try expanded(document.stages, "stages")
        let defaults = try expanded(document.defaults, "defaults")
        configuration.defaultWarehouse = defaults["warehouse"]
        configuration.defaultStage = defaults["stage"]
        configuration.iamRole = defaults["iam_role"]
        let jobs = JobConfiguration(path: path) { value, key in
            try expand(value, at: key, path: path, environment: environment)
        }
        configuration.jobs = try document.jobs.map(jobs.job)
        configuration.scheduler = try jobs.scheduler(document.scheduler)
        return configuration
    }

    /// `${VAR}` replaced by the variable's value; an unset variable is an error naming it.
    static func expand(_ value: String, at key: String, path: String, environment: [String: String]) throws -> String {
        var out = ""
        var rest = value[...]
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw Failure.usageError("\(path): '\(key)' has an unclosed ${")
            }
            let name = String(rest[open.upperBound..<close])
            guard let replacement = environment[name] else {
                throw Failure.usageError("\(path): '\(key)' uses ${\(name)}, which is not set")
            }
            out += replacement
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// A warehouse flag's value or name resolved to a URL (names come from `warehouses`).
    func warehouse(_ value: String?) -> String? {
        guard let value = value ?? defaultWarehouse else { return nil }
        return warehouses[value] ?? value
    }

    /// A stage flag's value or name resolved to a URL (names come from `stages`).
    func stage(_ value: String?) throws -> String? {
        guard let value = value ?? defaultStage else { return nil }
        if let named = stages[value] { return named }
        // A mistyped name must not become a folder in the working directory.
        guard value.hasPrefix("s3://") || value.hasPrefix("file://") else {
            throw Failure.usageError(
                "--stage '\(value)' is neither s3://bucket/prefix, file:///folder nor a stage named in "
                    + (path ?? "stevedore.yml"))
        }
        return value
    }
}
