import Frames

/// Where the rows of one encoded batch came from, so that a line the COPY names in a batch's
/// CSV can be told as the input's file and line. Stored as runs over which staged lines and input
/// lines both go on one per row: one run for a batch without multi-line values.
struct RowOrigins: Sendable, Hashable {
    /// The input's name (nil for stdin without one).
    let file: String?
    /// Line feeds inside the values of the batch's first row.
    let firstRowLineFeeds: Int
    private var runs: [Run] = []

    private struct Run: Sendable, Hashable {
        var row: Int
        /// The line of the batch's CSV the row starts on, from 0.
        var stagedLine: Int
        /// The input line it starts on, from 1.
        var inputLine: Int
    }

    /// The origins of `batch`'s rows, whose CSV held line feeds in `rowsWithLineFeeds`.
    init(_ batch: TextBatch, rowsWithLineFeeds: [StagedCSVEncoder.RowLineFeeds]) {
        file = batch.file
        firstRowLineFeeds = rowsWithLineFeeds.first { $0.row == 0 }?.count ?? 0
        guard batch.rowCount > 0 else { return }
        var feeds = rowsWithLineFeeds.makeIterator()
        var nextFeeds = feeds.next()
        var stagedLine = 0
        for row in 0..<batch.rowCount {
            let inputLine = batch.line(ofRow: row)
            if let last = runs.last, stagedLine == last.stagedLine + row - last.row,
                inputLine == last.inputLine + row - last.row
            {
                // The run goes on.
            } else {
                runs.append(Run(row: row, stagedLine: stagedLine, inputLine: inputLine))
            }
            stagedLine += 1
            if let feedsOfRow = nextFeeds, feedsOfRow.row == row {
                stagedLine += feedsOfRow.count
                nextFeeds = feeds.next()
            }
        }
    }

    /// The line of the batch's CSV (from 0) that `row` starts on.
    func stagedLine(ofRow row: Int) -> Int? {
        guard let index = runs.lastIndex(where: { $0.row <= row }) else { return nil }
        return runs[index].stagedLine + row - runs[index].row
    }

    /// The input line of the row on `stagedLine` (from 0) of the batch's CSV; a line inside a
    /// multi-line value gives its row's first line.
    func inputLine(atStagedLine stagedLine: Int) -> Int? {
        guard let index = runs.lastIndex(where: { $0.stagedLine <= stagedLine }) else { return nil }
        let run = runs[index]
        var row = run.row + stagedLine - run.stagedLine
        if index + 1 < runs.count { row = min(row, runs[index + 1].row - 1) }
        return run.inputLine + row - run.row
    }
}
