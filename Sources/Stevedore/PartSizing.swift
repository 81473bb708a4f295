import Foundation
import Frames

/// The size at which staged parts rotate so that a Redshift COPY spreads them evenly over the
/// cluster's slices: arithmetic over an estimate of the staged gzip bytes and the slice count.
public struct PartSizing: Sendable, Hashable {
    /// The smallest part AWS advises: 1 MB, taken as 1 MiB so that it holds in either unit.
    public static let minimumPartBytes = 1024 * 1024
    /// The largest part of the ideal range: 125 MB (decimal, so that it holds in either unit).
    public static let idealMaximumPartBytes = 125_000_000
    /// The largest part AWS advises: 1 GB (decimal, so that it holds in either unit).
    public static let maximumPartBytes = 1_000_000_000

    /// The slices assumed on Redshift Serverless, which has no STV_SLICES and documents no slice
    /// count (docs/redshift.md, "Part sizes").
    public static let serverlessSlices = 16

    /// How much smaller gzip makes staged CSV than an uncompressed input, for the estimate: a
    /// rough ratio for text data (4:1), not a promise; a `.gz` input counts at its own size.
    public static let assumedCompressionRatio = 4

    /// An estimate of the gzip bytes a load of inputs of these sizes stages: a `.gz` input at its
    /// size, any other at `1 / assumedCompressionRatio` of it; nil without inputs.
    public static func estimatedStagedBytes(ofSizes inputs: [(name: String, size: Int)]) -> Int? {
        guard !inputs.isEmpty else { return nil }
        return inputs.reduce(0) { $0 + ($1.name.hasSuffix(".gz") ? $1.size : $1.size / assumedCompressionRatio) }
    }

    /// The estimate for local files (already expanded); nil when a size cannot be read. Reads the
    /// file system: call it on the blocking pool.
    public static func estimatedStagedBytes(ofFiles paths: [String]) -> Int? {
        var sizes: [(name: String, size: Int)] = []
        for path in paths {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.intValue
            else { return nil }
            sizes.append((path, size))
        }
        return estimatedStagedBytes(ofSizes: sizes)
    }

    /// The estimate for a frame: its values' text (binary as hex) measured over up to
    /// `sampledRows` rows, scaled to all of them; nil for a frame without rows.
    public static func estimatedStagedBytes(of frame: Frame, sampledRows: Int = 10_000) -> Int? {
        guard frame.rowCount > 0 else { return nil }
        let sample = min(frame.rowCount, max(1, sampledRows))
        var bytes = 0
        for column in frame.columns {
            for value in column.values.prefix(sample) {
                switch value {
                case nil: bytes += 2
                case .text(let text), .json(let text): bytes += text.utf8.count + 1
                case .binary(let data): bytes += 2 * data.count + 1
                case let value?: bytes += value.description.utf8.count + 1
                }
            }
        }
        let total = Int((Double(bytes) * Double(frame.rowCount) / Double(sample)).rounded(.up))
        return max(1, total / assumedCompressionRatio)
    }

    /// The part size used when the estimate or the slice count is unknown.
    public var defaultPartBytes: Int

    public init(defaultPartBytes: Int = 16 * 1024 * 1024) {
        self.defaultPartBytes = defaultPartBytes
    }

    /// How many parts and of what size for `estimatedBytes` (compressed) over `slices`: the
    /// fewest parts that are a multiple of `slices` and at most 125 MB each; when that would make
    /// parts under 1 MiB (a small load on many slices), as many parts of at least 1 MiB as the
    /// bytes allow (fewer than the slices: no multiple of them can be that large).
    public func plan(estimatedBytes: Int?, slices: Int?) -> (parts: Int, partBytes: Int)? {
        guard let estimatedBytes, estimatedBytes > 0, let slices, slices > 0 else { return nil }
        let rounds = max(1, Self.ceilingDivision(estimatedBytes, slices * Self.idealMaximumPartBytes))
        var parts = slices * rounds
        var size = Self.ceilingDivision(estimatedBytes, parts)
        if size < Self.minimumPartBytes {
            parts = max(1, estimatedBytes / Self.minimumPartBytes)
            size = max(Self.minimumPartBytes, Self.ceilingDivision(estimatedBytes, parts))
        }
        return (parts, min(size, Self.maximumPartBytes))
    }

    /// The part size to rotate at: `plan`'s, or the default when the estimate or the slice count is unknown.
    public func partBytes(estimatedBytes: Int?, slices: Int?) -> Int {
        plan(estimatedBytes: estimatedBytes, slices: slices)?.partBytes ?? defaultPartBytes
    }

    static func ceilingDivision(_ numerator: Int, _ denominator: Int) -> Int {
        (numerator + denominator - 1) / denominator
    }
}
