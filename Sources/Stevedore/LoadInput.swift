import Foundation
import Frames
import ObjectStore

/// One input of a load: a local file, stdin or an object, by the name errors give it, opened (its
/// raw bytes, before any gunzip) when its turn comes, on the blocking pool.
struct LoadInput: Sendable {
    let name: String
    /// The local file's path (nil for stdin and objects).
    var path: String? = nil
    let open: @Sendable () throws -> any ByteSource

    /// A local file, read in chunks (smaller for gzip, whose output is larger).
    static func file(_ path: String) -> LoadInput {
        LoadInput(name: path, path: path) {
            try FileByteSource(path: path, chunkSize: path.hasSuffix(".gz") ? 256 << 10 : 1 << 20)
        }
    }

    static let standardInput = LoadInput(name: "-") { FileByteSource(handle: FileHandle.standardInput) }

    /// The files a local pattern names, in name order: the file itself, or a glob's matches (`*`,
    /// `?`, `[…]` within a folder, `**` for any folders). Walks folders: call it on the blocking pool.
    static func files(matching pattern: String) throws -> [String] {
        let glob = GlobPattern(pattern)
        guard glob.hasWildcards else {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: pattern, isDirectory: &isFolder) else {
                throw StevedoreError(code: .input, step: .encode, message: "no file \(pattern)")
            }
            if isFolder.boolValue {
                throw StevedoreError(
                    code: .input, step: .encode,
                    message: "\(pattern): is a folder, not a file (name its files: '\(pattern)/*.csv')")
            }
            return [pattern]
        }
        let folder = glob.literalPrefix.isEmpty ? "." : glob.literalPrefix
        var matches: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder) {
            while let relative = walker.nextObject() as? String {
                let path = glob.literalPrefix + relative
                var isFolder: ObjCBool = false
                if glob.matches(path), FileManager.default.fileExists(atPath: path, isDirectory: &isFolder),
                    !isFolder.boolValue
                {
                    matches.append(path)
                }
            }
        }
        guard !matches.isEmpty else {
            throw StevedoreError(code: .input, step: .encode, message: "no file matches \(pattern)")
        }
        return matches.sorted()
    }
}
