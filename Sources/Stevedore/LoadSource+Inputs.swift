import Blocking
import Foundation
import Frames
import ObjectStore

extension LoadSource {
    /// Several inputs as one load's rows, read one after the other: local files and globs
    /// (`exports/2024-03-01/*.csv.gz`), object globs (`s3://bucket/prefix/*.csv.gz`, `file:///dir/*.csv`),
    /// or `-` alone for stdin. Every CSV input needs the same header; each row's errors name its
    /// own input and line. See `files` and `objects`.
    public static func inputs(
        _ patterns: [String], format: SourceFormat = .bySuffix, environment: AWSEnvironment = AWSEnvironment(),
        caBundle: String? = nil, pool: BlockingPool = .shared
    ) async throws -> LoadSource {
        if patterns == ["-"] { return try await chained([.standardInput], format: format, downloads: nil, pool: pool) }
        if patterns.contains("-") {
            throw StevedoreError(
                code: .invalidRequest, step: .plan, message: "- (stdin) cannot be read with other inputs")
        }
        var inputs: [LoadInput] = []
        var downloads: [CurrentChannel] = []
        for pattern in patterns {
            if pattern.hasPrefix("s3://") || pattern.hasPrefix("file://") {
                let objects = try await ObjectInputs.resolve(
                    pattern, environment: environment, caBundle: caBundle, pool: pool)
                inputs += objects.inputs
                downloads.append(objects.downloads)
            } else {
                inputs += try await pool.run { try LoadInput.files(matching: pattern) }.map(LoadInput.file)
            }
        }
        return try await chained(inputs, format: format, downloads: downloads, pool: pool)
    }

    /// Local files and globs (`*`, `?`, `[…]` within a folder, `**` for any folders), each glob's
    /// files in name order, read one after the other as one load's rows; `.gz` files are gunzipped.
    /// The folders are walked, and the first file opened and its header read, now on `pool`, so a
    /// missing file fails before the load connects; the rest are opened on `pool` in turn.
    public static func files(_ patterns: [String], format: SourceFormat = .bySuffix, pool: BlockingPool = .shared)
        async throws -> LoadSource
    {
        var inputs: [LoadInput] = []
        for pattern in patterns {
            inputs += try await pool.run { try LoadInput.files(matching: pattern) }.map(LoadInput.file)
        }
        return try await chained(inputs, format: format, downloads: nil, pool: pool)
    }

    /// The objects whose keys match the glob of `url` (`s3://bucket/prefix/{*}.csv.gz`, or
    /// `file:///dir/*.csv`), in key order, streamed from their downloads in bounded memory. S3
    /// credentials, region and endpoint come from `environment`, certificates from `caBundle`.
    public static func objects(
        url: String, format: SourceFormat = .bySuffix, environment: AWSEnvironment = AWSEnvironment(),
        caBundle: String? = nil, pool: BlockingPool = .shared
    ) async throws -> LoadSource {
        let objects = try await ObjectInputs.resolve(url, environment: environment, caBundle: caBundle, pool: pool)
        return try await chained(objects.inputs, format: format, downloads: [objects.downloads], pool: pool)
    }

    /// Reads `inputs` one after the other through an `InputChain` on `pool`, its first input opened now.
    private static func chained(
        _ inputs: [LoadInput], format: SourceFormat, downloads: [CurrentChannel]?, pool: BlockingPool
    ) async throws -> LoadSource {
        let kinds = Set(inputs.map { format.resolved(for: $0.name).formatName })
        if kinds.count > 1 {
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message:
                    "the inputs mix \(kinds.sorted().joined(separator: " and ")) (\(inputs.map(\.name).joined(separator: ", "))): "
                    + "load each format on its own"
            )
        }
        if format.setsCSVDialect, let other = inputs.first(where: { !format.resolved(for: $0.name).isCSV }) {
            throw StevedoreError(
                code: .invalidRequest, step: .plan,
                message:
                    "\(other.name) is \(format.resolved(for: other.name).formatName): the CSV dialect options do not apply to it"
            )
        }
        let stop: @Sendable () -> Void = { downloads?.forEach { $0.cancel() } }
        // The chain is made on the pool and handed back in a box (it is not Sendable).
        let chain: InputChain
        do {
            chain = try await pool.run {
                let chain = InputChain(inputs, format: format)
                try chain.openFirst()
                return LockedBox(chain)
            }.withLock { $0 }
        } catch {
            stop()
            throw error
        }
        return reading(pool: pool, open: { { try chain.next() } }, interrupt: stop, cleanup: stop)
    }
}

extension SourceFormat.Resolved {
    var isCSV: Bool {
        if case .csv = self { return true }
        return false
    }

    /// CSV, JSON Lines or Arrow, as messages name it.
    var formatName: String {
        switch self {
        case .csv: "CSV"
        case .jsonLines: "JSON Lines"
        case .arrow: "Arrow"
        }
    }
}

extension LoadSource {
    /// An estimate of the gzip bytes a load of `patterns` (as `inputs` takes them) stages, from
    /// the files' sizes on disk and the object listings' (`PartSizing.estimatedStagedBytes`); nil
    /// for stdin or when a size cannot be read. Walks folders and lists objects on `pool`.
    public static func estimatedStagedBytes(
        _ patterns: [String], environment: AWSEnvironment = AWSEnvironment(), caBundle: String? = nil,
        pool: BlockingPool = .shared
    ) async throws -> Int? {
        guard !patterns.contains("-") else { return nil }
        var sizes: [(name: String, size: Int)] = []
        do {
            for pattern in patterns {
                if pattern.hasPrefix("s3://") || pattern.hasPrefix("file://") {
                    sizes += try await ObjectInputs.sizes(
                        pattern, environment: environment, caBundle: caBundle, pool: pool)
                } else {
                    guard
                        let files = try await pool.run({ () -> [(name: String, size: Int)]? in
                            let paths = try LoadInput.files(matching: pattern)
                            return try paths.map { path in
                                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                                return (path, (attributes[.size] as? NSNumber)?.intValue ?? 0)
                            }
                        })
                    else { return nil }
                    sizes += files
                }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return nil
        }
        return PartSizing.estimatedStagedBytes(ofSizes: sizes)
    }
}
