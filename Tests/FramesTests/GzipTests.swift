import Digest
import Foundation
import Testing

@testable import Frames

@Suite("gzip streams over zlib")
struct GzipTests {
    static func sampleText(bytes: Int) -> [UInt8] {
        var text = ""
        var row = 0
        while text.utf8.count < bytes {
            text += "\(row),customer \(row % 977),\(Double(row) * 1.25),2026-11-\(row % 28 + 1),ü🚀\n"
            row += 1
        }
        return Array(text.utf8)
    }

    @Test("deflate then inflate returns the same bytes, written and read in pieces", arguments: [0, 1, 6, 9])
    func roundTrip(level: Int) throws {
        let input = Self.sampleText(bytes: 3_000_000)
        let writer = try GzipWriter(level: level)
        var compressed: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(offset + 70_001, input.count)
            try writer.write(Array(input[offset..<end]))
            compressed += writer.drain()
            offset = end
        }
        let summary = try writer.finish()
        compressed += writer.drain()
        #expect(summary.uncompressedByteCount == input.count)
        #expect(summary.compressedByteCount == compressed.count)
        #expect(summary.sha256 == SHA256.hash(compressed))
        if level > 0 { #expect(compressed.count < input.count / 3) }

        let reader = try GzipReader()
        var output: [UInt8] = []
        offset = 0
        while offset < compressed.count {
            let end = min(offset + 4_099, compressed.count)
            output += try reader.read(Array(compressed[offset..<end]))
            while reader.hasPendingInput { output += try reader.read([]) }
            offset = end
        }
        try reader.finish()
        #expect(output == input)
    }

    @Test("a restarted writer makes a complete new file, in the buffer it is given, tuned again at level 1")
    func restart() throws {
        let first = Self.sampleText(bytes: 300_000)
        let second = Array(Self.sampleText(bytes: 500_000).reversed())
        let writer = try GzipWriter(level: 1)
        try writer.write(first)
        let firstSummary = try writer.finish()
        let firstFile = writer.drain()

        var buffer = [UInt8](repeating: 7, count: 10)
        buffer.reserveCapacity(1 << 20)
        let address = buffer.withUnsafeBufferPointer { $0.baseAddress }
        try writer.restart(output: consume buffer)
        try writer.write(second)
        let secondSummary = try writer.finish()
        let secondFile = writer.drain()
        #expect(secondFile.withUnsafeBufferPointer { $0.baseAddress } == address, "the given buffer was used")
        #expect(try Gzip.decompress(firstFile) == first)
        #expect(try Gzip.decompress(secondFile) == second)
        #expect(secondSummary.uncompressedByteCount == second.count)
        #expect(secondSummary.sha256 == SHA256.hash(secondFile))
        #expect(firstSummary.sha256 == SHA256.hash(firstFile))

        // The tuned level 1 is what a fresh writer produces, after a restart too.
        let fresh = try GzipWriter(level: 1)
        try fresh.write(second)
        _ = try fresh.finish()
        #expect(fresh.drain() == secondFile)
    }

    @Test("what we write, gzip(1) reads; what gzip(1) writes, we read")
    func interoperatesWithGzipTool() throws {
        let input = Self.sampleText(bytes: 200_000)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let ours = directory.appendingPathComponent("ours.gz")
        try Data(try Gzip.compress(input, level: 1)).write(to: ours)
        #expect(try run("/bin/gzip", ["-dc", ours.path]) == input)

        let plain = directory.appendingPathComponent("plain.txt")
        try Data(input).write(to: plain)
        let theirs = try run("/bin/gzip", ["-9c", plain.path])
        #expect(try Gzip.decompress(theirs) == input)
    }

    @Test("a highly compressed chunk comes out a bounded piece at a time")
    func boundedOutput() throws {
        let zeros = [UInt8](repeating: 0, count: 64 * 1024 * 1024)
        let compressed = try Gzip.compress(zeros, level: 9)
        #expect(compressed.count < 200_000)
        let reader = try GzipReader()
        var largest = 0
        var total = 0
        var output = try reader.read(compressed)
        while true {
            largest = max(largest, output.count)
            total += output.count
            #expect(output.allSatisfy { $0 == 0 })
            guard reader.hasPendingInput else { break }
            output = try reader.read([])
        }
        try reader.finish()
        #expect(total == zeros.count)
        #expect(largest <= GzipReader.maximumOutput + 256 * 1024)
    }

    @Test("concatenated members read as one stream")
    func concatenatedMembers() throws {
        let first = try Gzip.compress(Array("first part\n".utf8))
        let second = try Gzip.compress(Array("second part\n".utf8), level: 9)
        let empty = try Gzip.compress([])
        #expect(try Gzip.decompress(first + empty + second) == Array("first part\nsecond part\n".utf8))
    }

    @Test("a corrupt byte is a corrupt error with its offset")
    func corrupt() throws {
        var compressed = try Gzip.compress(Self.sampleText(bytes: 50_000))
        compressed[compressed.count / 2] ^= 0xFF
        let error = try #require(throws: GzipError.self) { try Gzip.decompress(compressed) }
        #expect(error.kind == .corrupt)
        #expect(error.offset != nil)
    }

    @Test("input that is not gzip is corrupt")
    func notGzip() throws {
        let error = try #require(throws: GzipError.self) { try Gzip.decompress(Array("id,name\n1,a\n".utf8)) }
        #expect(error.kind == .corrupt)
        #expect(error.description.hasPrefix("corrupt gzip data"))
    }

    @Test("a truncated file is a truncated error")
    func truncated() throws {
        let compressed = try Gzip.compress(Self.sampleText(bytes: 50_000))
        let error = try #require(throws: GzipError.self) { try Gzip.decompress(Array(compressed.dropLast(20))) }
        #expect(error.kind == .truncated)
        let empty = try #require(throws: GzipError.self) { try Gzip.decompress([]) }
        #expect(empty.kind == .truncated)
    }

    @Test("a level outside 0...9 is refused")
    func badLevel() {
        #expect(throws: GzipError.self) { try GzipWriter(level: 10) }
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(data)
    }
}
