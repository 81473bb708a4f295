/// Writes rows as the staged CSV of design.md ("CSV as staged": comma, `"` quotes, no header, LF,
/// the dialect's NULL marker) while inferring the schema from every value in the same pass. Feed it
/// batches or frames; take the bytes with `takeOutput()` (e.g. into a `GzipWriter`) as they grow.
public struct StagedCSVEncoder: Sendable {
    public let nullMarker: NullMarker
    /// The inference over every row written so far.
    public private(set) var inference: SchemaInference
    private var output: [UInt8] = []
    private let nullBytes: [UInt8]
    private var scratch: [UInt8] = []
    /// Whether binary values drop their `\x` (the warehouse reads bare hex).
    private let writesBareHex: Bool

    /// An encoder writing `nullMarker` for NULL, with some column types fixed by the caller and,
    /// for a table that exists, its columns' types to check each value against.
    public init(
        nullMarker: NullMarker, pinnedTypes: [String: ColumnType] = [:],
        targetTypes: [String: ColumnType] = [:], foldsTargetNames: Bool = false,
        reading: CopyReading = CopyReading(), binaryHexPrefix: String = "\\x"
    ) {
        self.nullMarker = nullMarker
        writesBareHex = binaryHexPrefix.isEmpty
        inference = SchemaInference(
            pinnedTypes: pinnedTypes, targetTypes: targetTypes,
            foldsTargetNames: foldsTargetNames, reading: reading)
        nullBytes = nullMarker.bytes
    }

    /// The column names so far. A later batch may add columns at the end (JSON Lines meeting a new
    /// key): rows written before have fewer fields, so start a new staged part when this grows.
    public var columnNames: [String] { inference.names }
    /// The schema inferred from every row written so far.
    public var schema: Schema { inference.schema }
    /// Rows written.
    public var rowCount: Int { inference.rowCount }
    /// Lines written, as a COPY numbers them: one per row, plus the line feeds inside quoted values.
    public private(set) var lineCount = 0
    /// Bytes written and not yet taken.
    public var pendingByteCount: Int { output.count }
    /// The rows written since the output was last taken whose values hold line feeds, each with
    /// how many (rows counted from 0 in that output): where its rows and its lines part ways.
    public private(set) var rowsWithLineFeeds: [RowLineFeeds] = []
    private var firstPendingRow = 0

    /// A row of the output whose values hold `count` line feeds.
    public struct RowLineFeeds: Sendable, Hashable {
        public var row: Int
        public var count: Int
    }

    /// Takes the CSV bytes written since the last call (the encoder then starts a new buffer; to
    /// reuse buffers, hand one over with `takeOutput(leaving:)`).
    public mutating func takeOutput() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &output)
        startPendingOutput()
        return taken
    }

    /// Takes the CSV bytes written since the last call and writes the next rows into `buffer`
    /// (emptied first; e.g. one from a pool), so that a load allocates no buffer per batch.
    public mutating func takeOutput(leaving buffer: consuming [UInt8]) -> [UInt8] {
        var taken = buffer
        taken.removeAll(keepingCapacity: true)
        swap(&taken, &output)
        startPendingOutput()
        return taken
    }

    private mutating func startPendingOutput() {
        rowsWithLineFeeds.removeAll(keepingCapacity: true)
        firstPendingRow = inference.rowCount
    }

    /// Records that the row being written holds `count` more line feeds.
    private mutating func noteLineFeeds(_ count: Int) {
        guard count > 0 else { return }
        lineCount += count
        let row = inference.rowCount - firstPendingRow
        if rowsWithLineFeeds.last?.row == row {
            rowsWithLineFeeds[rowsWithLineFeeds.count - 1].count += count
        } else {
            rowsWithLineFeeds.append(RowLineFeeds(row: row, count: count))
        }
    }

    /// Writes every row of `batch` (raw text, typed by inference or checked against pinned types).
    /// A batch that declares its types (Arrow's) has them pinned, and its values, written by a
    /// reader of those types, are only measured, unless a caller's pin or the table says otherwise.
    public mutating func append(_ batch: TextBatch) throws(FrameError) {
        var declared: [String: ColumnType] = [:]
        for (name, type) in zip(batch.columnNames, batch.declaredTypes) {
            if let type { declared[name] = type }
        }
        try inference.adopt(batch.columnNames, pinning: declared)
        let columnCount = batch.columnCount
        guard batch.rowCount > 0 else { return }
        let trusted = (0..<columnCount).map { column in
            // An unconstrained numeric (a decimal wider than 38 digits) is read value by value: the
            // digits it needs decide the column a warehouse without such a type creates.
            guard column < batch.declaredTypes.count, let type = batch.declaredTypes[column], type != .numeric else {
                return false
            }
            let inferred = inference.columns[column]
            return inferred.pinnedType == type && (inferred.targetType ?? type).holdsEvery(type)
        }
        let bareHex = (0..<columnCount).map {
            writesBareHex && trusted[$0] && batch.declaredTypes[$0] == .binary
        }
        output.reserveCapacity(output.count + batch.byteCount + batch.rowCount * (columnCount + 1))
        let nullIsEmpty = nullBytes.isEmpty
        let nested = (0..<columnCount).map(batch.isNestedJSON(column:))
        try batch.bytes.withUnsafeBufferPointer { (buffer) throws(FrameError) in
            try batch.fields.withUnsafeBufferPointer { (spans) throws(FrameError) in
                var run = StagedCSVRun(buffer)
                var index = 0
                for row in 0..<batch.rowCount {
                    for column in 0..<columnCount {
                        let span = spans[index]
                        index += 1
                        let separator: UInt8? = column > 0 ? StagedCSVField.comma : nil
                        if span.isNull {
                            inference.observeNull(column: column)
                            if nullIsEmpty {
                                run.appendPlain(span.range, after: separator, to: &output)
                            } else {
                                if let separator { run.append(separator, to: &output) }
                                run.append(nullBytes, spelled: .plain, to: &output)
                            }
                            continue
                        }
                        var range = span.range
                        if bareHex[column] && Self.hasHexPrefix(buffer, range) {
                            range = range.lowerBound + 2..<range.upperBound
                        }
                        let field = UnsafeBufferPointer(rebasing: buffer[range])
                        let observed: ColumnInference.Observed
                        if trusted[column] {
                            inference.observePinned(column: column, byteLength: field.count)
                            observed = .accepted
                        } else {
                            observed =
                                nested[column]
                                ? inference.observeNestedJSON(field, column: column)
                                : inference.observeText(field, column: column)
                        }
                        if observed != .accepted {
                            if observed == .refusedByPin {
                                throw inference.misfit(
                                    field, column: column, file: batch.file,
                                    line: batch.line(ofRow: row))
                            }
                            inference.locateMisfit(column: column, file: batch.file, line: batch.line(ofRow: row))
                        }
                        // A value inference read as a number, date or boolean is written as it is.
                        let classifiedPlain = inference.columns[column].holdsOnlyPlainValues
                        guard let spelling = classifiedPlain ? .plain : StagedCSVField.spelling(of: field) else {
                            throw Self.nulError(
                                file: batch.file, line: batch.line(ofRow: row), column: column,
                                name: batch.columnNames[column])
                        }
                        if spelling == .plain {
                            run.appendPlain(range, after: separator, to: &output)
                        } else {
                            if let separator { run.append(separator, to: &output) }
                            run.append(field, spelled: spelling, to: &output)
                            noteLineFeeds(StagedCSVField.lineFeeds(in: field))
                        }
                    }
                    run.append(StagedCSVField.newline, to: &output)
                    inference.endRow()
                    lineCount += 1
                }
                run.flush(to: &output)
            }
        }
    }

    /// Writes every row of `frame`. The frame's column types are pinned (declared types are kept);
    /// a caller's pinned type for a column must then hold its values.
    public mutating func append(_ frame: Frame) throws(FrameError) {
        let declared = Dictionary(frame.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        try inference.adopt(frame.columns.map(\.name), pinning: declared)
        let columns = frame.columns
        let sameType = columns.indices.map {
            inference.columns[$0].pinnedType == columns[$0].type
                && (inference.columns[$0].targetType ?? columns[$0].type) == columns[$0].type
        }
        // Dates and timestamps built in code may lie outside years 1...9999, which no warehouse reads.
        let checkRange = columns.map { [.date, .timestamp, .timestamptz].contains($0.type) }
        for row in 0..<frame.rowCount {
            for column in columns.indices {
                if column > 0 { output.append(StagedCSVField.comma) }
                guard let value = columns[column].values[row] else {
                    inference.observeNull(column: column)
                    output.append(contentsOf: nullBytes)
                    continue
                }
                if checkRange[column] && !value.fits(columns[column].type) {
                    throw FrameError(
                        kind: .valueDoesNotFit(columns[column].type), line: row + 1, column: column + 1,
                        columnName: columns[column].name, value: "\(value)",
                        message: "a \(columns[column].type) must lie in years 1 to 9999")
                }
                scratch.removeAll(keepingCapacity: true)
                value.appendStagedText(to: &scratch)
                if writesBareHex, case .binary = value { scratch.removeFirst(2) }
                if sameType[column] {
                    inference.observePinned(column: column, byteLength: scratch.count)
                } else {
                    switch inference.observeText(scratch[...], column: column) {
                    case .accepted: break
                    case .refusedByPin: throw inference.misfit(scratch[...], column: column, file: nil, line: nil)
                    case .firstTargetMisfit: inference.locateMisfit(column: column, file: nil, line: row + 1)
                    }
                }
                guard let spelling = StagedCSVField.spelling(of: scratch[...]) else {
                    throw Self.nulError(file: nil, line: row + 1, column: column, name: columns[column].name)
                }
                if spelling != .plain { noteLineFeeds(StagedCSVField.lineFeeds(in: scratch)) }
                StagedCSVField.append(scratch[...], spelled: spelling, to: &output)
            }
            output.append(StagedCSVField.newline)
            inference.endRow()
            lineCount += 1
        }
    }

    /// Whether the field at `range` begins with `\x`.
    private static func hasHexPrefix(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.count >= 2 && buffer[range.lowerBound] == UInt8(ascii: "\\")
            && buffer[range.lowerBound + 1] == UInt8(ascii: "x")
    }

    /// A value holding a NUL byte: PostgreSQL's and Redshift's text types cannot store one, and the
    /// COPY would name only the staged part's line, so the input's file, line and column are named here.
    private static func nulError(file: String?, line: Int?, column: Int, name: String) -> FrameError {
        FrameError(
            kind: .nulCharacter, file: file, line: line, column: column + 1, columnName: name,
            message: "a value holds a NUL byte (\\0), which the warehouse's text types cannot store")
    }
}
