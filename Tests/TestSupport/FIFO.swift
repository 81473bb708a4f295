import Foundation

/// A named pipe whose reader is the code under test: the test opens the write end once the
/// reader has opened it, and then decides when data comes.
public struct FIFO: Sendable {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    public let path: String

    /// Makes the pipe at `path`.
    public init(_ path: String) throws {
        guard mkfifo(path, 0o600) == 0 else { throw Failed(description: "mkfifo \(path): errno \(errno)") }
        self.path = path
    }

    /// Opens the write end as soon as a reader has the pipe open (polling every 10 ms, up to
    /// 20 s). The reader then waits in read() until `write` or `close`.
    public func openWriter() async throws -> Writer {
        for _ in 0..<2_000 {
            let descriptor = open(path, O_WRONLY | O_NONBLOCK)
            if descriptor >= 0 {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
                return Writer(descriptor: descriptor)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failed(description: "no reader opened \(path) within 20 s")
    }

    /// The write end of a FIFO.
    public struct Writer: Sendable {
        public let descriptor: Int32

        /// Writes every byte of `bytes`, blocking while the reader lags: call it off the cooperative pool.
        public func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes {
                    Foundation.write(descriptor, $0.baseAddress, $0.count)
                }
                guard written > 0 else { throw Failed(description: "write to a FIFO: errno \(errno)") }
                offset += written
            }
        }

        public func close() {
            _ = Foundation.close(descriptor)
        }
    }
}
