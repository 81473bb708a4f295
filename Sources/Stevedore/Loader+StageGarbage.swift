import Foundation
import ObjectStore
import Warehouse

/// The staged objects of one load that never committed (killed, failed or abandoned): what
/// `stevedore gc` removes.
public struct StageGarbage: Sendable, Hashable {
    /// The key prefix the load wrote under, ending in `/`.
    public var prefix: String
    public var loadID: LoadID
    /// When the load started, from its id.
    public var startedAt: Date
    public var objectCount: Int
    public var byteCount: Int64
    /// The keys, for removal.
    public var keys: [String]
}

extension Loader {
    /// The loads under the stage prefix that the ledger does not know and that started more than
    /// `grace` before `now`: their objects are what a killed or failed load left behind. A
    /// committed load (kept with `keepStage`) and a load younger than `grace` (it may still be
    /// running) are never listed; neither is an object outside a load's folder
    /// (`<prefix>/<schema>/<table>/<partition>/<load id>/…`).
    public func stageGarbage(olderThan grace: Duration, now: Date = Date()) async throws -> [StageGarbage] {
        let root = options.stagePrefix.isEmpty ? "" : options.stagePrefix + "/"
        var found: [String: StageGarbage] = [:]
        let cutoff = now.addingTimeInterval(-grace.seconds)
        for try await object in stage.list(prefix: root) {
            guard let (prefix, id, started) = Self.loadFolder(of: object.key, under: root), started < cutoff else {
                continue
            }
            var entry =
                found[prefix]
                ?? StageGarbage(
                    prefix: prefix, loadID: id, startedAt: started, objectCount: 0,
                    byteCount: 0, keys: [])
            entry.objectCount += 1
            entry.byteCount += object.size
            entry.keys.append(object.key)
            found[prefix] = entry
        }
        guard !found.isEmpty else { return [] }
        let committed = try await committedLoads(among: Set(found.values.map(\.loadID.rawValue)))
        return found.values.filter { !committed.contains($0.loadID.rawValue) }.sorted { $0.prefix < $1.prefix }
    }

    /// Deletes the objects of `garbage`; returns how many were deleted.
    public func removeStageGarbage(_ garbage: [StageGarbage]) async throws -> Int {
        var removed = 0
        for load in garbage {
            let report = try await stage.deleteMany(load.keys)
            if let failure = report.failed.first {
                throw StevedoreError(
                    code: .stage, step: .cleanup,
                    message: "could not delete \(failure.key): \(failure.code) \(failure.message)",
                    stagePrefix: stage.manifestURLPrefix + load.prefix)
            }
            removed += load.keys.count
        }
        return removed
    }

    /// The folder of the load `key` belongs to, with the load's id and start: the first path
    /// segment after `<schema>/<table>/` that is a load id, with at least one segment after it.
    static func loadFolder(of key: String, under root: String) -> (String, LoadID, Date)? {
        guard key.hasPrefix(root) else { return nil }
        let segments = key.dropFirst(root.count).split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 4 else { return nil }
        for index in 2..<(segments.count - 1) {
            let id = LoadID(rawValue: String(segments[index]))
            if let started = id.startedAt {
                return (root + segments[...index].joined(separator: "/") + "/", id, started)
            }
        }
        return nil
    }

    /// Which of `ids` the ledger recorded as committed.
    private func committedLoads(among ids: Set<String>) async throws -> Set<String> {
        let connection = try await connect()
        do {
            let ledger = options.ledger.sql(dialect)
            let exists = dialect.tableColumns(ledger.table)
            var committed: Set<String> = []
            if try await !connection.execute(exists.sql, exists.parameters).rows.isEmpty {
                let all = ids.sorted()
                for start in stride(from: 0, to: all.count, by: 500) {
                    let chunk = Array(all[start..<min(start + 500, all.count)])
                    let query = ledger.committed(among: chunk)
                    let rows = try await connection.execute(query.sql, query.parameters).rows
                    committed.formUnion(rows.compactMap { $0[0] })
                }
            }
            await connection.close()
            return committed
        } catch {
            await connection.close()
            throw error
        }
    }
}

extension LoadID {
    /// When the load started, read back from the id; nil when this is not a load id.
    public var startedAt: Date? {
        let bytes = Array(rawValue.utf8)
        // yyyyMMdd T HHmmss SSS Z - 8 hex
        guard bytes.count == 28, bytes[8] == UInt8(ascii: "T"), bytes[18] == UInt8(ascii: "Z"),
            bytes[19] == UInt8(ascii: "-"),
            bytes[20...].allSatisfy({
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            })
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            let millisecond = number(15..<18), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        guard let date = components.date else { return nil }
        return date.addingTimeInterval(Double(millisecond) / 1000)
    }
}
