import Frames

/// Reads several inputs one after the other as one stream of batches: the files of a glob, the
/// objects under a prefix. `open` makes the reader of input `index`; a reader returning nil moves on.
final class ChainedReader {
    private let count: Int
    private let open: (Int) throws -> () throws -> TextBatch?
    private var index = 0
    private var current: (() throws -> TextBatch?)?

    init(count: Int, open: @escaping (Int) throws -> () throws -> TextBatch?) {
        self.count = count
        self.open = open
    }

    func next() throws -> TextBatch? {
        while index < count {
            if current == nil { current = try open(index) }
            if let batch = try current?() { return batch }
            current = nil
            index += 1
        }
        return nil
    }
}
