import Foundation
import Stevedore

/// The `--json` output of each command: one JSON object on stdout.
enum ReportJSON {
    struct Load: Encodable {
        var loadID: String
        var table: String
        var partition: String?
        var mode: String
        var rows: Int
        var uncompressedBytes: Int
        var compressedBytes: Int
        var parts: Int
        var stagePrefix: String
        var skipped: Bool
        /// Seconds per phase, in order.
        var phases: [Phase]
        /// `pipelined`, `sequential` or `pipelined, then sequential`.
        var copy: String
        var changedWhileCopying: [String]
        /// Rows sent in PostgreSQL's binary COPY format.
        var rowsCopiedInBinary: Int
        /// Times the transaction ran again after a serializable isolation conflict (Redshift).
        var conflictRetries: Int
        var fallbackReason: String?
        /// The table's columns and types after the load.
        var columns: [Column]
    }

    struct Column: Encodable {
        var name: String
        var type: String
    }

    struct Phase: Encodable {
        var name: String
        var seconds: Double
    }

    static func load(_ report: LoadReport) -> String {
        encode(
            Load(
                loadID: report.loadID.rawValue, table: report.table.description, partition: report.partition?.label,
                mode: report.mode.description, rows: report.rows, uncompressedBytes: report.uncompressedBytes,
                compressedBytes: report.compressedBytes, parts: report.parts, stagePrefix: report.stagePrefix,
                skipped: report.skipped,
                phases: report.phases.map { Phase(name: $0.name, seconds: $0.seconds) }, copy: report.copy.rawValue,
                changedWhileCopying: report.changedWhileCopying, rowsCopiedInBinary: report.rowsCopiedInBinary,
                conflictRetries: report.conflictRetries, fallbackReason: report.fallbackReason,
                columns: report.columns.map { Column(name: $0.name, type: "\($0.type)") }))
    }

    struct Plan: Encodable {
        var table: String
        var partition: String?
        var mode: String
        var rows: Int
        var columns: [Column]
        var notes: [String]
        var statements: [String]
    }

    static func plan(_ plan: LoadPlan) -> String {
        encode(
            Plan(
                table: plan.table.description, partition: plan.partition?.label, mode: plan.mode.description,
                rows: plan.rows, columns: plan.columns.map { Column(name: $0.name, type: "\($0.type)") },
                notes: plan.notes, statements: plan.statements))
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
