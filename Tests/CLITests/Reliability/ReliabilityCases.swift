import Foundation

/// The seed and case counts of the reliability suites. `STEVEDORE_RELIABILITY_SEED` fixes the suite
/// seed (default 20261202); each suite's count comes from its own variable (e.g.
/// `STEVEDORE_RELIABILITY_KILL_CASES`), with a small default so `swift test` stays fast;
/// `scripts/reliability` sets the full counts. Every case draws its choices from
/// `generator(case:)`, so a failure reproduces from the seed and the case index it names.
enum ReliabilityCases {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["STEVEDORE_RELIABILITY_SEED"].flatMap { UInt64($0) } ?? 20_261_202
    }

    /// The case count in `variable`, or `fallback` when it is unset or not a positive number.
    static func count(_ variable: String, default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? fallback
    }

    /// The generator of one case of one suite: the same seed, suite and index give the same draws.
    static func generator(suite: String, case index: Int) -> SeededGenerator {
        var mixed = seed
        for byte in suite.utf8 { mixed = (mixed ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SeededGenerator(seed: mixed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// How a failure names its case, for reproducing it.
    static func label(suite: String, case index: Int) -> String {
        "[\(suite) seed \(seed) case \(index)]"
    }
}

/// SplitMix64: a small, fast generator whose sequence depends only on its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
