internal import CZlib

/// CRC-32 (the polynomial of gzip and of S3's `x-amz-checksum-crc32`), over bytes given in
/// pieces. Computed by zlib.
public struct CRC32: Sendable, Hashable {
    /// The checksum of the bytes so far.
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        value = UInt32(truncatingIfNeeded: crc32_z(UInt(value), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> CRC32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc
    }

    /// The four bytes, most significant first, in base64: how S3 headers and XML carry it.
    public var base64: String {
        Base64.encode([
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ])
    }
}
