#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thin owner of one glibc `iconv_t` converting to UTF-8: the only code of the encoding
/// conversion that touches pointers. Not thread-safe; one reader uses it.
final class Iconv {
    /// Why a conversion stopped before the end of its input.
    enum Stop: Equatable {
        /// Every byte was converted.
        case end
        /// The bytes at the stop are no character of the source encoding.
        case invalid
        /// The input ends inside a character: the rest must wait for more bytes.
        case incomplete
    }

    private let descriptor: iconv_t

    /// A converter from `encoding` (an iconv name such as `ISO-8859-1`) to UTF-8; nil when iconv
    /// does not know the encoding.
    init?(from encoding: String) {
        let opened = iconv_open("UTF-8", encoding)
        guard let opened, opened != iconv_t(bitPattern: -1) else { return nil }
        descriptor = opened
    }

    deinit {
        iconv_close(descriptor)
    }

    /// Converts `input[start...]`, appending UTF-8 to `output`: how many input bytes it consumed
    /// and why it stopped.
    func convert(_ input: [UInt8], from start: Int, into output: inout [UInt8]) -> (consumed: Int, stop: Stop) {
        var position = start
        while position < input.count {
            let remaining = input.count - position
            // Enough for any of our encodings (at most 3 UTF-8 bytes per input byte); a full
            // buffer (E2BIG) just goes round again.
            let room = remaining * 3 + 4
            let written = output.count
            output.append(contentsOf: repeatElement(0, count: room))
            var inputLeft = remaining
            var outputLeft = room
            let (result, error) = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    var inputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(
                        mutating: source.baseAddress! + position
                    ).assumingMemoryBound(to: CChar.self)
                    var outputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(
                        target.baseAddress! + written
                    ).assumingMemoryBound(to: CChar.self)
                    let result = iconv(descriptor, &inputPointer, &inputLeft, &outputPointer, &outputLeft)
                    return (result, errno)
                }
            }
            output.removeLast(outputLeft)
            position += remaining - inputLeft
            if result != -1 { continue }
            switch error {
            case E2BIG: continue
            case EINVAL: return (position - start, .incomplete)
            default: return (position - start, .invalid)
            }
        }
        return (position - start, .end)
    }
}
