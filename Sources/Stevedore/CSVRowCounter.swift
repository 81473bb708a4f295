/// Counts the rows of CSV text fed in pieces: newlines outside quoted fields (a `""` inside a
/// quoted field toggles the state twice, so it changes nothing).
struct CSVRowCounter: Sendable {
    private(set) var rows = 0
    private var inQuote = false

    /// Counts the rows `bytes` completes; calls `rowEnded` with the index just past each row's newline.
    mutating func scan(_ bytes: [UInt8], rowEnded: (Int) -> Void = { _ in }) {
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                inQuote.toggle()
            } else if byte == UInt8(ascii: "\n") && !inQuote {
                rows += 1
                rowEnded(index + 1)
            }
        }
    }
}
