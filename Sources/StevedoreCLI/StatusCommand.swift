import ArgumentParser
import Foundation
import Stevedore

/// `stevedore status`: the last load of each table and partition, from the ledger.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the last load of each table and partition, from the ledger.")

    @Option(help: ArgumentHelp("Only this table.", valueName: "schema.table"))
    var table: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var loadID, table, partition, mode, committedAt: String
        var rows, parts, compressedBytes: Int
    }

    func run() async throws {
        try await Failure.report(verbose: output.verbose) {
            let loader = try await target.loader(verbose: output.verbose)
            let entries = try await loader.history(table: try table.map(TableRef.init(parsing:)))
            if output.json {
                print(
                    ReportJSON.encode([
                        "loads": entries.map {
                            Entry(
                                loadID: $0.loadID, table: $0.table, partition: $0.partition, mode: $0.mode,
                                committedAt: $0.committedAt, rows: $0.rows, parts: $0.parts,
                                compressedBytes: $0.compressedBytes)
                        }
                    ]))
                return
            }
            guard !entries.isEmpty else {
                print("no loads recorded yet")
                return
            }
            let header = ["table", "partition", "rows", "parts", "mode", "committed", "load"]
            let rows = entries.map {
                [
                    $0.table, $0.partition.isEmpty ? "(whole table)" : $0.partition, String($0.rows), String($0.parts),
                    $0.mode,
                    $0.committedAt, $0.loadID,
                ]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for line in [header] + rows {
                print(
                    zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }
}
