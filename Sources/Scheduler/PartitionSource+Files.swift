import Foundation
import Stevedore

extension PartitionSource {
    /// The files a pattern names, in name order: the file itself, or a glob's matches.
    func files(matching pattern: String) throws -> [String] {
        let glob = GlobPattern(pattern)
        guard glob.hasWildcards else {
            guard FileManager.default.fileExists(atPath: pattern) else { throw error("no file \(pattern)") }
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
        guard !matches.isEmpty else { throw error("no file matches \(pattern)") }
        return matches.sorted()
    }

    /// A file or a glob's files, one after the other; the folder is walked on the blocking pool.
    func openFiles(_ pattern: String, format: SourceFormat) -> LoadSource {
        LoadSource.reading(open: {
            let paths = try files(matching: pattern)
            logger.debug("reading \(paths.count) file(s)", metadata: ["job": "\(job.name)", "partition": "\(key)"])
            let chain = ChainedReader(count: paths.count) { index in
                try Self.fileReader(paths[index], format: format, name: paths[index])
            }
            return { try chain.next() }
        })
    }
}
