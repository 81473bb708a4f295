import Foundation

/// The size at which staged parts rotate so that a Redshift COPY spreads them evenly over the
/// cluster's slices. Redshift does not split a gzip file: each part is read by one slice, so AWS
/// advises files "about equal size, from 1 MB to 1 GB after compression", ideally 1–125 MB, their
/// number "a multiple of the number of slices in your cluster"
/// (https://docs.aws.amazon.com/redshift/latest/dg/c_best-practices-use-multiple-files.html,
/// https://docs.aws.amazon.com/redshift/latest/dg/t_splitting-data-files.html).
///
/// Pure arithmetic over an estimate of the compressed bytes the load stages and the slice count;
/// without either it returns the default, and it never guesses one. The parts come out as counted
/// only as far as the estimate is right: the last part is the remainder.
public struct PartSizing: Sendable, Hashable {
    /// The smallest part AWS advises: 1 MB, taken as 1 MiB so that it holds in either unit.
    public static let minimumPartBytes = 1024 * 1024
    /// The largest part of the ideal range: 125 MB (decimal, so that it holds in either unit).
    public static let idealMaximumPartBytes = 125_000_000
    /// The largest part AWS advises: 1 GB (decimal, so that it holds in either unit).
    public static let maximumPartBytes = 1_000_000_000

    /// The slices assumed on Redshift Serverless, which refuses the STV tables
    /// (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-monitoring.html: "You can't query
    /// STL, STV, SVCS, SVL, and some SVV system tables and views with Amazon Redshift Serverless")
    /// and documents its capacity in RPUs only, with no slice count
    /// (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html). Not a documented
    /// number: 16 is a multiple of every power-of-two slice count up to it, so the parts still
    /// spread evenly over a smaller workgroup, and a large load still makes several rounds of them
    /// (docs/redshift.md, "Part sizes").
    public static let serverlessSlices = 16

    /// How much smaller gzip makes staged CSV than an uncompressed input, for the estimate: a
    /// rough ratio for text data (4:1), not a promise; a `.gz` input counts at its own size.
    public static let assumedCompressionRatio = 4

    /// An estimate of the gzip bytes a load of `paths` (local files, already expanded) stages:
    /// a `.gz` file's size as it is, any other's divided by `assumedCompressionRatio`; nil when a
    /// size cannot be read. Reads the file system: call it on the blocking pool.
    public static func estimatedStagedBytes(ofFiles paths: [String]) -> Int? {
        guard !paths.isEmpty else { return nil }
        var total = 0
        for path in paths {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.intValue
            else { return nil }
            total += path.hasSuffix(".gz") ? size : size / assumedCompressionRatio
        }
        return total
    }

    /// The estimate for a load of the inputs the CLI names (files and globs, expanded as a load
    /// expands them); nil when any is stdin or an object (`s3://`, `file://`), whose sizes are
    /// not read ahead. Walks folders: call it on the blocking pool.
    public static func estimatedStagedBytes(ofInputs patterns: [String]) -> Int? {
        guard !patterns.contains(where: { $0 == "-" || $0.hasPrefix("s3://") || $0.hasPrefix("file://") }) else {
            return nil
        }
        guard let paths = try? patterns.flatMap(LoadInput.files(matching:)) else { return nil }
        return estimatedStagedBytes(ofFiles: paths)
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
