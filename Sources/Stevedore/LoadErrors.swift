import Foundation
import Frames

/// Where the lines of one staged part came from: the batches it holds, each with the part's line
/// it starts on and its rows' origins (nil for a frame), so that a line Redshift names in the part
/// can be told as the input's file and line.
struct PartOrigins: Sendable, Hashable {
    private struct Batch: Sendable, Hashable {
        /// The part's line (from 0) the batch starts on.
        var line: Int
        var origins: RowOrigins?
    }

    private var batches: [Batch] = []
    /// Lines of the part so far.
    private(set) var lineCount = 0

    /// Adds the next batch of the part: `lines` lines, its rows from `origins`.
    mutating func append(lines: Int, origins: RowOrigins?) {
        batches.append(Batch(line: lineCount, origins: origins))
        lineCount += lines
    }

    /// The input's file and line of the row on `line` (from 1, as Redshift counts a file's lines);
    /// nil when the part holds no such line or its rows have no origins.
    func inputPlace(ofLine line: Int) -> (file: String?, line: Int)? {
        let stagedLine = line - 1
        guard stagedLine >= 0, stagedLine < lineCount,
            let batch = batches.last(where: { $0.line <= stagedLine }), let origins = batch.origins,
            let inputLine = origins.inputLine(atStagedLine: stagedLine - batch.line)
        else { return nil }
        return (origins.file, inputLine)
    }
}

/// One row a Redshift COPY rejected, as its load-error tables hold it (`SYS_LOAD_ERROR_DETAIL`
/// or `STL_LOAD_ERRORS`: file, line, column, raw value, reason).
struct LoadErrorRow: Sendable, Hashable {
    /// The S3 URL of the part.
    var file: String
    var line: Int?
    var column: String?
    var rawValue: String?
    var reason: String

    /// A row of `StageCopySQL.loadErrors`' five columns; nil for any other shape.
    init?(_ row: [String?]) {
        guard row.count == 5 else { return nil }
        file = row[0] ?? ""
        line = row[1].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        column = row[2].flatMap { $0.isEmpty ? nil : $0 }
        rawValue = row[3]
        reason = row[4] ?? ""
    }

    /// The part's file name: the last segment of its URL.
    var partName: String { String(file.split(separator: "/").last ?? Substring(file)) }

    /// `column 'amount', value 'abc' (sales.csv, line 12; part-00001.csv.gz, line 7): Invalid digit…`,
    /// the input's place from `origins` (by part name) when it is known.
    func described(origins: [String: PartOrigins]) -> String {
        var text = column.map { "column '\($0)'" } ?? "a row"
        if let rawValue { text += ", value '\(rawValue)'" }
        var places: [String] = []
        if let line {
            if let place = origins[partName]?.inputPlace(ofLine: line) {
                places.append("\(place.file ?? "the input"), line \(place.line)")
            }
            places.append("\(partName), line \(line)")
        } else {
            places.append(partName)
        }
        return text + " (\(places.joined(separator: "; "))): \(reason)"
    }
}
