import Blocking
import Foundation
import Frames
import Stevedore
import TestSupport
import Testing
import Warehouse

/// Loads never wait on input with a thread of Swift's cooperative pool: readers block on the
/// blocking pool, so loads whose input stalls do not hold up the others.
@Suite("Blocking input", .timeLimit(.minutes(2)))
struct BlockingInputTests {
    @Test("the thousandth read from a blocking reader needs no more stack than the first")
    func readsDoNotDeepen() async throws {
        // One thread, so that every read runs on the same stack.
        let pool = BlockingPool(name: "stack-depth", maximumThreads: 1)
        let rows = 20_000
        let csv = "id\n" + (1...rows).map(String.init).joined(separator: "\n") + "\n"
        let depths = LockedBox<[UInt]>([])
        let source = LoadSource.reading(pool: pool) {
            var options = CSVOptions()
            options.batchRows = 1
            let reader = try CSVReader(source: MemoryByteSource(Array(csv.utf8)), options: options)
            return {
                var marker = 0
                let address = withUnsafePointer(to: &marker) { UInt(bitPattern: $0) }
                depths.withLock { $0.append(address) }
                return try reader.next()
            }
        }
        guard case .batches(let batches) = source else {
            Issue.record("a blocking reader is a stream of batches")
            return
        }
        var count = 0
        for try await batch in batches { count += batch.rowCount }
        #expect(count == rows)
        let addresses = depths.withLock { $0 }
        #expect(addresses.count == rows + 1)
        // Two reabstraction thunks per read would add megabytes by now; each read starts alike.
        let spread = addresses.max()! - addresses.min()!
        #expect(spread < 4096, "stack addresses spread over \(spread) bytes")
        await pool.shutdown()
    }

    @Test("a folder-stage load finishes while as many loads as there are cooperative threads wait on silent FIFOs")
    func stalledInputs() async throws {
        let fixture = try LoaderFixture(.folder)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Swift's cooperative pool has one thread per core: two on the CI machine.
        let stalledCount = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let rows = (1...5_000).map { "\($0),row \($0),\(Double($0) / 8)" }
        let csv = "id,label,amount\n" + rows.joined(separator: "\n") + "\n"
        var writers: [FIFO.Writer] = []
        do {
            var stalled: [Task<LoadReport, any Error>] = []
            for index in 0..<stalledCount {
                let fifo = try FIFO(folder.appendingPathComponent("input-\(index).csv").path)
                let table = fixture.table("stalled_\(index)")
                // Opened lazily, by the load's first request, so the load itself waits on the input.
                let source = LoadSource.reading {
                    let reader = try CSVReader(path: fifo.path)
                    return { try reader.next() }
                }
                stalled.append(Task { try await fixture.loader.store(source, into: table) })
                // Opened once the reader has the FIFO open; nothing is written yet, so the reader
                // blocks in read().
                writers.append(try await fifo.openWriter())
            }

            let plain = folder.appendingPathComponent("plain.csv")
            try Data(csv.utf8).write(to: plain)
            let report = try await Self.within(.seconds(60)) {
                try await fixture.loader.store(try await .csv(path: plain.path), into: fixture.table("plain"))
            }
            #expect(report.rows == 5_000)
            #expect(try await fixture.rows(fixture.table("plain"), orderBy: "id").count == 5_000)
            for task in stalled { #expect(task.isCancelled == false) }

            // The stalled loads go on once their input comes.
            for writer in writers {
                try await BlockingPool.shared.run { try writer.write(Array(csv.utf8)) }
                writer.close()
            }
            writers = []
            for (index, task) in stalled.enumerated() {
                #expect(try await task.value.rows == 5_000)
                let sums = try await fixture.rows(fixture.table("stalled_\(index)"), orderBy: "1")
                #expect(sums.count == 5_000)
            }
        } catch {
            for writer in writers { writer.close() }
            try? FileManager.default.removeItem(at: folder)
            try await fixture.dropSchema()
            throw error
        }
        try? FileManager.default.removeItem(at: folder)
        try await fixture.dropSchema()
    }

    @Test("a load whose FIFO input is silent stops at once when its task is cancelled, and creates nothing")
    func cancelSilentInput() async throws {
        let fixture = try LoaderFixture(.folder)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fifo = try FIFO(folder.appendingPathComponent("silent.csv").path)
        let table = fixture.table("silent")
        let source = LoadSource.reading {
            let reader = try CSVReader(path: fifo.path)
            return { try reader.next() }
        }
        let load = Task { try await fixture.loader.store(source, into: table) }
        // The reader has the FIFO open and now waits in read(): nothing will ever be written.
        let writer = try await fifo.openWriter()
        try await withCleanUp({
            writer.close()
            try? FileManager.default.removeItem(at: folder)
            try? await fixture.dropSchema()
        }) {
            let cancelled = ContinuousClock.now
            load.cancel()
            let outcome = try await Self.within(.seconds(20)) { await load.result }
            #expect(throws: (any Error).self) { try outcome.get() }
            #expect(ContinuousClock.now - cancelled < .seconds(10), "the load ended promptly")
            let connection = try await fixture.connection()
            let exists = try await connection.execute("SELECT to_regclass($1)::text", [table.quoted]).scalar
            await connection.close()
            #expect(exists == nil, "the cancelled load created no table")
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var limit: Duration
        var description: String { "did not finish within \(limit)" }
    }

    /// `body`'s result, or `TimedOut` when it takes longer than `limit`.
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut(limit: limit) }
            return value
        }
    }
}
