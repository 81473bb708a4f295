import Foundation

/// Where a reader's bytes come from, a chunk at a time; an empty chunk means the input has ended.
public protocol ByteSource: AnyObject {
    func read() throws -> [UInt8]
}

/// Reads a file (or stdin) in chunks of a fixed size.
extension ByteSource {
    /// The next chunk, with a failure underneath (a read error, a corrupt or truncated gzip stream)
    /// as a `FrameError` naming `file`, as every other fault of the input is.
    func read(naming file: String?) throws -> [UInt8] {
        do {
            return try read()
        } catch let error as FrameError {
            throw error
        } catch {
            throw FrameError(kind: .io, file: file, message: "\(error)")
        }
    }
}

public final class FileByteSource: ByteSource {
    private let handle: FileHandle
    private let chunkSize: Int
    private let closesHandle: Bool

    /// The file at `path`, read `chunkSize` bytes at a time.
    public init(path: String, chunkSize: Int = 1 << 20) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FrameError(kind: .io, file: path, message: "is a folder, not a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FrameError(kind: .io, file: path, message: "cannot open the file for reading")
        }
        self.handle = handle
        self.chunkSize = chunkSize
        closesHandle = true
    }

    /// An open handle such as `FileHandle.standardInput`, which stays open.
    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        self.handle = handle
        self.chunkSize = chunkSize
        closesHandle = false
    }

    deinit {
        if closesHandle { try? handle.close() }
    }

    /// Reads with `read(2)` straight into the chunk's array: through `FileHandle.read(upToCount:)`
    /// each chunk was a `Data` grown by reallocation and then copied into an array.
    public func read() throws -> [UInt8] {
        let descriptor = handle.fileDescriptor
        var failure: Int32 = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, count in
            count = 0
            // Until the chunk is full or the input ends (a pipe gives what it has at each read).
            while count < buffer.count {
                let got = Foundation.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                if got > 0 {
                    count += got
                } else if got == 0 {
                    break
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        // `read(naming:)` names the file.
        if failure != 0 { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
        return chunk
    }
}

/// Decompresses a gzip source (concatenated members allowed) as it is read.
public final class GzipByteSource: ByteSource {
    private let compressed: any ByteSource
    private let reader: GzipReader
    private var finished = false

    public init(_ compressed: any ByteSource) throws {
        self.compressed = compressed
        reader = try GzipReader()
    }

    public func read() throws -> [UInt8] {
        while reader.hasPendingInput {
            let output = try reader.read([])
            if !output.isEmpty { return output }
        }
        while !finished {
            let input = try compressed.read()
            if input.isEmpty {
                finished = true
                try reader.finish()
                return []
            }
            let output = try reader.read(input)
            if !output.isEmpty { return output }
            while reader.hasPendingInput {
                let more = try reader.read([])
                if !more.isEmpty { return more }
            }
        }
        return []
    }
}

/// Bytes already in memory, handed out in chunks (tests, small inputs).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private var offset = 0

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 20) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public func read() throws -> [UInt8] {
        let end = min(offset + chunkSize, bytes.count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
