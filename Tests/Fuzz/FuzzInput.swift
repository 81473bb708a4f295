import Frames

/// The fuzzer's bytes split into a few control bytes (how to read) and the input itself, so that
/// one corpus entry also chooses chunk sizes, delimiters and batch sizes.
struct FuzzInput {
    private(set) var control: [UInt8]
    let payload: [UInt8]

    init(_ data: UnsafePointer<UInt8>, _ size: Int, controlBytes: Int) {
        let all = Array(UnsafeBufferPointer(start: data, count: size))
        let split = min(controlBytes, all.count)
        control = Array(all[..<split]) + Array(repeating: 0, count: controlBytes - split)
        payload = Array(all[split...])
    }

    /// One of `choices`, picked by control byte `index`.
    func pick<T>(_ index: Int, _ choices: [T]) -> T {
        choices[Int(control[index]) % choices.count]
    }
}

/// Stops the fuzzer with the input saved: a property that must hold for every input did not.
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        fatalError("fuzz property failed: \(message())")
    }
}
