import ArgumentParser
import Foundation
import Stevedore

/// `stevedore gc`: removes what loads that never committed left in the stage.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove staged parts of loads that never committed (killed or failed), older than a grace period.")

    @Option(
        name: .customLong("older-than"),
        help: ArgumentHelp(
            "Only loads that started longer ago than this: a younger one may still be running.",
            valueName: "duration"))
    var olderThan = "24h"

    @Flag(name: .customLong("dry-run"), help: "List what would be removed; remove nothing.")
    var dryRun = false

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var prefix, loadID, startedAt: String
        var objects: Int
        var bytes: Int64
    }

    struct Report: Encodable {
        var dryRun: Bool
        var loads: [Entry]
        var removedObjects: Int
    }

    func validate() throws {
        try Validation.check { _ = try Durations.parse(olderThan, flag: "--older-than") }
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let grace = try Durations.parse(olderThan, flag: "--older-than")
            let loader = try await target.loader(verbose: output.verbose)
            let garbage = try await loader.stageGarbage(olderThan: .seconds(grace))
            let removed = dryRun ? 0 : try await loader.removeStageGarbage(garbage)
            let formatter = ISO8601DateFormatter()
            let entries = garbage.map {
                Entry(
                    prefix: $0.prefix, loadID: $0.loadID.rawValue, startedAt: formatter.string(from: $0.startedAt),
                    objects: $0.objectCount, bytes: $0.byteCount)
            }
            if output.json {
                print(ReportJSON.encode(Report(dryRun: dryRun, loads: entries, removedObjects: removed)))
                return
            }
            if output.quiet { return }
            guard !entries.isEmpty else {
                print("nothing to remove: every load in the stage committed or started less than \(olderThan) ago")
                return
            }
            TextTable.print(
                header: ["load folder", "started", "objects", "bytes"],
                rows: entries.map { [$0.prefix, $0.startedAt, String($0.objects), String($0.bytes)] })
            let objects = entries.reduce(0) { $0 + $1.objects }
            let bytes = entries.reduce(Int64(0)) { $0 + $1.bytes }
            print(
                dryRun
                    ? "would remove \(objects) objects (\(bytes) bytes) of \(entries.count) loads that never committed"
                    : "removed \(removed) objects (\(bytes) bytes) of \(entries.count) loads that never committed")
        }
    }
}
