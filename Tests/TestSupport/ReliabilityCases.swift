import Foundation

/// The seed and case counts of the reliability suites. `STEVEDORE_RELIABILITY_SEED` fixes the suite
/// seed (default 20261202); each suite's count comes from its own variable (e.g.
/// `STEVEDORE_RELIABILITY_S3_CASES`), with a small default so `swift test` stays fast;
/// `scripts/reliability` sets the full counts. Every case draws its choices from
/// `generator(case:)`, so a failure reproduces from the seed and the case index it names.
public enum ReliabilityCases {
    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["STEVEDORE_RELIABILITY_SEED"].flatMap { UInt64($0) } ?? 20_261_202
    }

    /// The case count in `variable`, or `fallback` when it is unset or not a positive number.
    public static func count(_ variable: String, default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? fallback
    }

    /// The case indices to run: `0..<count`, or only the one in `STEVEDORE_RELIABILITY_CASE` (to
    /// reproduce a failure with the seed it printed).
    public static func indices(_ count: Int) -> [Int] {
        if let only = ProcessInfo.processInfo.environment["STEVEDORE_RELIABILITY_CASE"].flatMap({ Int($0) }) {
            return [only]
        }
        return Array(0..<count)
    }

    /// The generator of one case of one suite: the same seed, suite and index give the same draws.
    public static func generator(suite: String, case index: Int) -> SeededGenerator {
        var mixed = seed
        for byte in suite.utf8 { mixed = (mixed ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SeededGenerator(seed: mixed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// How a failure names its case, for reproducing it.
    public static func label(suite: String, case index: Int) -> String {
        "[\(suite) seed \(seed) case \(index)]"
    }
}
