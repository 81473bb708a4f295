import Foundation
import Scheduler

/// The read-only HTML status page: one self-contained HTML5 document (inline CSS, no script, no
/// external assets) that shows every job and its partition grid. Pure: same input, same page.
public enum StatusPage {
    /// Seconds between the page's own reloads (`<meta http-equiv="refresh">`).
    public static let refreshSeconds = 30

    /// The page for `jobs`, stamped with `generatedAt`. Every partition is one grid cell
    /// `<td class="state-STATE" data-key="KEY">`; two-dimensional jobs draw a matrix, others a list.
    public static func render(_ jobs: [JobStatus], generatedAt: Date) -> String {
        var html = head(generatedAt: generatedAt)
        if jobs.isEmpty {
            html += "<p class=\"empty\">No jobs are configured.</p>\n"
        }
        for job in jobs {
            html += section(for: job)
        }
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    /// The page shown when the job statuses cannot be read: the same header, then `message`.
    public static func renderError(_ message: String, generatedAt: Date) -> String {
        var html = head(generatedAt: generatedAt)
        html += "<p class=\"page-error\" role=\"alert\">Cannot read the job statuses: "
        html += "<span class=\"error\">\(htmlEscape(message))</span></p>\n"
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    /// `text` made safe for HTML text and quoted attribute values: escapes `&`, `<`, `>`, `"` and `'`.
    public static func htmlEscape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    // MARK: - Parts

    private static func head(generatedAt: Date) -> String {
        let stamp = iso8601(generatedAt)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Stevedore status</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>Stevedore status</h1>
            <p class="generated">Generated <time datetime="\(htmlEscape(stamp))">\(htmlEscape(stamp))</time>; \
            reloads every \(refreshSeconds) s.</p>
            <p class="legend">\(State.allCases.map { "<span class=\"legend-\($0.rawValue)\">\($0.rawValue)</span>" }.joined(separator: " "))</p>
            </header>
            <main>

            """
    }

    private typealias State = PartitionStatus.State

    private static func section(for job: JobStatus) -> String {
        var html = "<section class=\"job\">\n<h2>\(htmlEscape(job.job))</h2>\n"
        html += "<dl class=\"facts\"><dt>table</dt><dd><code>\(htmlEscape(job.table))</code></dd>"
        html += "<dt>next run</dt><dd>"
        if let next = job.nextRun {
            let stamp = htmlEscape(iso8601(next))
            html += "<time datetime=\"\(stamp)\">\(stamp)</time>"
        } else {
            html += "—"
        }
        html += "</dd></dl>\n<ul class=\"counts\">"
        for state in State.allCases {
            let count = job.partitions.count { $0.state == state }
            html += "<li class=\"count-\(state.rawValue)\">\(state.rawValue) <b>\(count)</b></li>"
        }
        html += "</ul>\n"
        if job.partitions.isEmpty {
            html += "<p class=\"none\">No partitions are due yet.</p>\n"
        } else if job.dimensions.count == 2, job.partitions.allSatisfy({ $0.key.values.count == 2 }) {
            html += matrix(for: job)
        } else {
            html += list(for: job)
        }
        html += "</section>\n"
        return html
    }

    /// One row per partition: key, state (the cell), rows, loaded at, last error.
    private static func list(for job: JobStatus) -> String {
        let keyHeader = job.dimensions.isEmpty ? "partition" : job.dimensions.joined(separator: " | ")
        var html =
            "<div class=\"scroll\"><table class=\"grid\" data-job=\"\(htmlEscape(job.job))\" data-layout=\"list\">\n"
        html += "<thead><tr><th scope=\"col\">\(htmlEscape(keyHeader))</th><th scope=\"col\">state</th>"
        html +=
            "<th scope=\"col\">rows</th><th scope=\"col\">loaded at</th><th scope=\"col\">last error</th></tr></thead>\n<tbody>\n"
        for partition in job.partitions {
            let key = partition.key.description
            html += "<tr><th scope=\"row\">\(htmlEscape(key.isEmpty ? "(whole table)" : key))</th>"
            html += cell(for: partition, content: partition.state.rawValue)
            html += "<td class=\"num\">\(htmlEscape(rowsText(partition.rows)))</td>"
            html += "<td>\(htmlEscape(partition.loadedAt ?? "—"))</td>"
            html += "<td class=\"error\">\(htmlEscape(partition.lastError ?? ""))</td></tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        return html
    }

    /// Rows are the first dimension's values, columns the second's, each in the order they first
    /// appear; a cell shows the partition's rows and is coloured by its state.
    private static func matrix(for job: JobStatus) -> String {
        var rowValues: [String] = []
        var columnValues: [String] = []
        var seenRows: Set<String> = []
        var seenColumns: Set<String> = []
        var cells: [String: PartitionStatus] = [:]
        for partition in job.partitions {
            let (row, column) = (partition.key.values[0], partition.key.values[1])
            if seenRows.insert(row).inserted { rowValues.append(row) }
            if seenColumns.insert(column).inserted { columnValues.append(column) }
            cells[partition.key.description] = partition
        }
        let corner = "\(job.dimensions[0]) \\ \(job.dimensions[1])"
        var html =
            "<div class=\"scroll\"><table class=\"grid\" data-job=\"\(htmlEscape(job.job))\" data-layout=\"matrix\">\n"
        html += "<thead><tr><th scope=\"col\" class=\"corner\">\(htmlEscape(corner))</th>"
        for column in columnValues {
            html += "<th scope=\"col\">\(htmlEscape(column))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in rowValues {
            html += "<tr><th scope=\"row\">\(htmlEscape(row))</th>"
            for column in columnValues {
                if let partition = cells[PartitionDefinition.Key(values: [row, column]).description] {
                    html += cell(for: partition, content: rowsText(partition.rows))
                } else {
                    html += "<td class=\"absent\"></td>"
                }
            }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        let failures = job.partitions.filter { $0.lastError != nil }
        if !failures.isEmpty {
            html += "<details class=\"errors\" open><summary>Last errors (\(failures.count))</summary><dl>\n"
            for partition in failures {
                html += "<dt>\(htmlEscape(partition.key.description))</dt>"
                html += "<dd class=\"error\">\(htmlEscape(partition.lastError ?? ""))</dd>\n"
            }
            html += "</dl></details>\n"
        }
        return html
    }

    /// A partition's cell: its state as class, its key as `data-key`, everything known in `title`.
    private static func cell(for partition: PartitionStatus, content: String) -> String {
        var title = "\(partition.key.description): \(partition.state.rawValue)"
        if let rows = partition.rows { title += ", \(rows) rows" }
        if let loadedAt = partition.loadedAt { title += ", loaded at \(loadedAt)" }
        if let error = partition.lastError { title += "; last error: \(error)" }
        return "<td class=\"state-\(partition.state.rawValue)\" data-key=\"\(htmlEscape(partition.key.description))\" "
            + "title=\"\(htmlEscape(title))\">\(htmlEscape(content))</td>"
    }

    private static func rowsText(_ rows: Int?) -> String {
        rows.map(String.init) ?? "–"
    }

    private static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    private static let style = """

        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1d232a; background: #fbfbfc; }
        h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
        h2 { font-size: 1.15rem; margin: 1.75rem 0 .25rem; }
        .generated { color: #59626d; margin: 0 0 .5rem; }
        .legend span, .counts li { display: inline-block; padding: .05rem .55rem; border-radius: 999px; margin-right: .25rem; }
        .facts { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: .25rem 0; }
        .facts dt { color: #59626d; }
        .facts dt::after { content: ":"; }
        .facts dd { margin: 0 0 0 -1rem; }
        .counts { list-style: none; padding: 0; margin: .25rem 0 .5rem; }
        .scroll { overflow-x: auto; }
        table.grid { border-collapse: collapse; margin: .25rem 0 .75rem; }
        .grid th, .grid td { border: 1px solid #d3d7dc; padding: .2rem .55rem; text-align: left; vertical-align: top; }
        .grid thead th { background: #eef0f3; }
        .grid tbody th { font-weight: normal; white-space: nowrap; background: #f6f7f9; }
        .grid[data-layout="matrix"] td { text-align: right; min-width: 3.5rem; font-variant-numeric: tabular-nums; }
        .grid td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .state-loaded, .legend-loaded, .count-loaded { background: #cdebd0; color: #123f16; }
        .state-failed, .legend-failed, .count-failed { background: #f6c7c3; color: #6a100b; }
        .state-missing, .legend-missing, .count-missing { background: #e1e4e8; color: #3a4149; }
        .state-running, .legend-running, .count-running { background: #c8dbf6; color: #0b336c; }
        td.absent { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f0f1f3 4px, #f0f1f3 8px); }
        .error { white-space: pre-wrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; color: #6a100b; }
        .errors dt { font-weight: 600; margin-top: .35rem; }
        .errors dd { margin-left: 1rem; }
        .page-error { padding: .75rem 1rem; background: #f6c7c3; border: 1px solid #d9534f; border-radius: 4px; }

        """
}
