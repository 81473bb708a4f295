/// Writes a batch's fields as staged CSV by copying runs of its buffer. The CSV reader leaves the
/// input's separators between the fields it keeps, so when a plain field follows the previous one
/// with the same separator the staged CSV wants (a comma, a LF), the bytes between them are already
/// right: the run grows, and a typical row of a comma-separated file is copied in one piece instead
/// of field by field. Anything else (a quoted field, a `\N`, another delimiter, CRLF) ends the run.
/// Reads the batch through a buffer pointer, confined to this file and `StagedCSVEncoder`.
struct StagedCSVRun {
    private let source: UnsafeBufferPointer<UInt8>
    /// The pending run: `source[start..<end]`, not yet in the output.
    private var start = 0
    private var end = 0

    init(_ source: UnsafeBufferPointer<UInt8>) {
        self.source = source
    }

    /// Writes `separator` (nil before a row's first field), then the field at `range` of the source,
    /// which must need no quotes (or be a NULL written as nothing).
    @inline(__always)
    mutating func appendPlain(_ range: Range<Int>, after separator: UInt8?, to output: inout [UInt8]) {
        if let separator {
            if range.lowerBound == end + 1 && source[end] == separator {
                end = range.upperBound
                return
            }
            flush(to: &output)
            if range.lowerBound > 0 && source[range.lowerBound - 1] == separator {
                start = range.lowerBound - 1
            } else {
                output.append(separator)
                start = range.lowerBound
            }
        } else {
            if range.lowerBound == end {
                end = range.upperBound
                return
            }
            flush(to: &output)
            start = range.lowerBound
        }
        end = range.upperBound
    }

    /// Writes `byte` (a separator or the row's end) on its own, after the pending run.
    @inline(__always)
    mutating func append(_ byte: UInt8, to output: inout [UInt8]) {
        if end < source.count && source[end] == byte {
            end += 1
            return
        }
        flush(to: &output)
        output.append(byte)
    }

    /// Writes `bytes` (a quoted field, a NULL marker) after the pending run.
    @inline(__always)
    mutating func append(
        _ bytes: some Collection<UInt8>, spelled spelling: StagedCSVField.Spelling,
        to output: inout [UInt8]
    ) {
        flush(to: &output)
        StagedCSVField.append(bytes, spelled: spelling, to: &output)
    }

    /// Writes the pending run.
    mutating func flush(to output: inout [UInt8]) {
        if end > start {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<end]))
        }
        start = end
    }
}
