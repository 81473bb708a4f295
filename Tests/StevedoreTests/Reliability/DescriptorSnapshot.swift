import Foundation

/// The open file descriptors of this process (`/proc/self/fd`), each with what it points at, and
/// for TCP sockets the remote port (from `/proc/self/net/tcp` and `tcp6`).
struct DescriptorSnapshot {
    /// Descriptor number → target (`socket:[inode]`, `pipe:[inode]`, a path, …).
    var targets: [Int: String]

    static func take() -> DescriptorSnapshot {
        var targets: [Int: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int(name),
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")
            else { continue }
            targets[fd] = target
        }
        return DescriptorSnapshot(targets: targets)
    }

    /// The remote port of every TCP socket of this process, by socket inode.
    static func remotePorts() -> [String: Int] {
        var ports: [String: Int] = [:]
        for file in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
            // Read to the end: procfs files report a size of 0.
            guard let data = FileHandle(forReadingAtPath: file)?.readDataToEndOfFile() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, let port = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
                else {
                    continue
                }
                ports[String(fields[9])] = port
            }
        }
        return ports
    }

    /// Descriptors open now that were not open (to the same target) in `earlier`.
    func opened(since earlier: DescriptorSnapshot) -> [Int: String] {
        targets.filter { earlier.targets[$0.key] != $0.value }
    }

    /// Of `opened`, the sockets connected to one of `ports`.
    static func sockets(_ opened: [Int: String], to ports: Set<Int>) -> [Int: String] {
        let remote = remotePorts()
        return opened.filter { _, target in
            guard target.hasPrefix("socket:["), let port = remote[String(target.dropFirst(8).dropLast())] else {
                return false
            }
            return ports.contains(port)
        }
    }
}
