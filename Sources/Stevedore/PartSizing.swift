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
