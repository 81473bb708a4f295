/// A size as users write it: `16MiB`, `64MB`, `1GB`, `1048576` (bytes); units are decimal (KB, MB,
/// GB) or binary (KiB, MiB, GiB), in any case.
enum ByteSize {
    static let units: [(suffix: String, factor: Int)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("b", 1),
    ]

    /// The bytes `text` means, or nil when it is not a positive size.
    static func parse(_ text: String) -> Int? {
        let lowered = text.lowercased().filter { $0 != " " }
        for unit in units where lowered.hasSuffix(unit.suffix) {
            guard let number = Int(lowered.dropLast(unit.suffix.count)), number > 0 else { return nil }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: unit.factor)
            return overflow ? nil : bytes
        }
        guard let bytes = Int(lowered), bytes > 0 else { return nil }
        return bytes
    }
}
