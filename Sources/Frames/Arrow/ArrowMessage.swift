/// One IPC message's metadata (Message.fbs): a schema, a dictionary batch or a record batch, and
/// the length of the body that follows it.
enum ArrowMessage: Sendable {
    case schema([ArrowField])
    case dictionaryBatch(id: Int64, isDelta: Bool, RecordBatchHeader)
    case recordBatch(RecordBatchHeader)
    /// A message Stevedore has no use for (a tensor); its body is skipped.
    case other(UInt8)

    /// A record batch's layout: its row count, one node per field (pre-order), its buffers
    /// (offsets into the body) and, for view types, how many data buffers each view field has.
    struct RecordBatchHeader: Sendable {
        struct Node: Sendable, Hashable {
            var length: Int64
            var nullCount: Int64
        }

        struct Buffer: Sendable, Hashable {
            var offset: Int64
            var length: Int64
        }

        var length: Int64
        var nodes: [Node]
        var buffers: [Buffer]
        /// The codec's name when the body is compressed (LZ4_FRAME, ZSTD).
        var compression: String?
        var variadicBufferCounts: [Int64]
    }

    /// Decodes a `Message` table; returns the message and its body length.
    static func decode(_ metadata: [UInt8]) throws(FlatBuffer.Malformed) -> (ArrowMessage, bodyLength: Int64) {
        let message = try FlatBuffer(metadata).root()
        let bodyLength = try message.int64(3)
        guard bodyLength >= 0 else {
            throw FlatBuffer.Malformed(offset: message.position, message: "a negative body length \(bodyLength)")
        }
        let headerType = try message.uint8(1)
        guard let header = try message.table(2) else {
            throw FlatBuffer.Malformed(offset: message.position, message: "a message without a header")
        }
        switch headerType {
        case 1:
            return (.schema(try ArrowField.fields(ofSchema: header)), bodyLength)
        case 2:
            guard let data = try header.table(1) else {
                throw FlatBuffer.Malformed(offset: header.position, message: "a dictionary batch without data")
            }
            return (
                .dictionaryBatch(id: try header.int64(0), isDelta: try header.bool(2), try recordBatch(data)),
                bodyLength
            )
        case 3:
            return (.recordBatch(try recordBatch(header)), bodyLength)
        default:
            return (.other(headerType), bodyLength)
        }
    }

    /// A vector of structs of two longs (FieldNode, Buffer), as pairs.
    private static func pairs(_ vector: FlatVector?) throws(FlatBuffer.Malformed) -> [(Int64, Int64)] {
        guard let vector else { return [] }
        var pairs: [(Int64, Int64)] = []
        pairs.reserveCapacity(vector.count)
        for index in 0..<vector.count {
            let at = vector.position(index)
            pairs.append((try vector.buffer.int64(at: at), try vector.buffer.int64(at: at + 8)))
        }
        return pairs
    }

    private static func recordBatch(_ table: FlatTable) throws(FlatBuffer.Malformed) -> RecordBatchHeader {
        let nodes = try pairs(table.vector(1, elementSize: 16)).map {
            RecordBatchHeader.Node(length: $0, nullCount: $1)
        }
        let buffers = try pairs(table.vector(2, elementSize: 16)).map {
            RecordBatchHeader.Buffer(offset: $0, length: $1)
        }
        var compression: String?
        if let codec = try table.table(3) {
            let code = try codec.uint8(0)
            compression = code == 0 ? "LZ4_FRAME" : code == 1 ? "ZSTD" : "codec #\(code)"
        }
        var counts: [Int64] = []
        if let vector = try table.vector(4, elementSize: 8) {
            for index in 0..<vector.count { counts.append(try vector.int64(index)) }
        }
        return RecordBatchHeader(
            length: try table.int64(0), nodes: nodes, buffers: buffers, compression: compression,
            variadicBufferCounts: counts)
    }
}
