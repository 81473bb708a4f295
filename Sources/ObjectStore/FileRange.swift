import Digest
import Foundation

/// A byte range of a local file: what one upload (or one multipart part) sends.
struct FileRange: Sendable, Hashable {
    var path: String
    var offset: Int64
    var length: Int64

    static func size(of path: String) throws -> Int64 {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw ObjectStoreError(code: .invalidRequest, message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// The hex SHA-256 of the range, read in 1 MiB pieces.
    func sha256() throws -> String {
        try checksums().sha256
    }

    /// The range's SHA-256 (hex) and CRC-32 (S3's base64), in one read.
    func checksums() throws -> (sha256: String, crc32: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ObjectStoreError(code: .invalidRequest, message: "cannot open \(path) for reading")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        var hash = StreamingHash(.sha256)
        var crc = CRC32()
        var remaining = length
        while remaining > 0 {
            guard let data = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !data.isEmpty else {
                throw ObjectStoreError(code: .invalidRequest, message: "\(path) is shorter than expected")
            }
            hash.update(data)
            data.withUnsafeBytes { crc.update($0) }
            remaining -= Int64(data.count)
        }
        return (hash.finalize().hex, crc.base64)
    }
}
