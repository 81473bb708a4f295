import Foundation
import Scheduler
import StatusServer
import Testing

/// Jobs the page and server tests share: a daily job (one dimension) and a day × region job.
enum Sample {
    static let generatedAt = Date(timeIntervalSince1970: 1_704_164_645)  // 2024-01-02T03:04:05Z
    static let nextRun = Date(timeIntervalSince1970: 1_704_168_000)  // 2024-01-02T04:00:00Z

    static func key(_ values: String...) -> PartitionDefinition.Key { .init(values: values) }

    static let daily = JobStatus(
        job: "orders", table: "sales.orders", dimensions: ["date"],
        partitions: [
            PartitionStatus(key: key("2024-01-01"), state: .loaded, rows: 1200, loadedAt: "2024-01-02T00:10:00Z"),
            PartitionStatus(key: key("2024-01-02"), state: .failed, lastError: "COPY failed: no such file"),
            PartitionStatus(key: key("2024-01-03"), state: .missing),
            PartitionStatus(key: key("2024-01-04"), state: .running),
        ], nextRun: nextRun)

    static let byRegion = JobStatus(
        job: "sales", table: "sales.daily", dimensions: ["date", "region"],
        partitions: [
            PartitionStatus(key: key("2024-01-01", "eu"), state: .loaded, rows: 10, loadedAt: "2024-01-02T00:00:00Z"),
            PartitionStatus(key: key("2024-01-01", "us"), state: .loaded, rows: 20, loadedAt: "2024-01-02T00:00:01Z"),
            PartitionStatus(
                key: key("2024-01-02", "eu"), state: .failed, rows: 9, loadedAt: "2024-01-02T00:00:02Z",
                lastError: "timeout"),
            PartitionStatus(key: key("2024-01-02", "us"), state: .missing),
        ])
}

/// The `<tr>…</tr>` whose row header is `header`, or nil.
func tableRow(_ html: String, header: String) -> Substring? {
    guard let start = html.range(of: "<tr><th scope=\"row\">\(header)</th>") else { return nil }
    guard let end = html[start.upperBound...].range(of: "</tr>") else { return nil }
    return html[start.lowerBound..<end.upperBound]
}

func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite(.timeLimit(.minutes(5))) struct StatusPageTests {
    @Test func pageIsSelfContainedAndStamped() {
        let html = StatusPage.render([Sample.daily], generatedAt: Sample.generatedAt)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"))
        #expect(html.contains("2024-01-02T03:04:05Z"))
        #expect(html.contains("<style>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("<link"))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func oneDimensionalJobIsAListOfPartitions() throws {
        let html = StatusPage.render([Sample.daily], generatedAt: Sample.generatedAt)
        #expect(html.contains("<h2>orders</h2>"))
        #expect(html.contains("<code>sales.orders</code>"))
        #expect(html.contains("<time datetime=\"2024-01-02T04:00:00Z\">2024-01-02T04:00:00Z</time>"))
        #expect(html.contains("<table class=\"grid\" data-job=\"orders\" data-layout=\"list\">"))
        for state in PartitionStatus.State.allCases {
            #expect(html.contains("<li class=\"count-\(state.rawValue)\">\(state.rawValue) <b>1</b></li>"))
        }
        // One cell per partition, each with its key and state.
        #expect(occurrences(of: "data-key=", in: html) == 4)
        #expect(html.contains("<td class=\"state-loaded\" data-key=\"2024-01-01\""))
        #expect(html.contains("<td class=\"state-failed\" data-key=\"2024-01-02\""))
        #expect(html.contains("<td class=\"state-missing\" data-key=\"2024-01-03\""))
        #expect(html.contains("<td class=\"state-running\" data-key=\"2024-01-04\""))

        let loaded = try #require(tableRow(html, header: "2024-01-01"))
        #expect(loaded.contains(">loaded</td><td class=\"num\">1200</td><td>2024-01-02T00:10:00Z</td>"))
        let failed = try #require(tableRow(html, header: "2024-01-02"))
        #expect(failed.contains("<td class=\"error\">COPY failed: no such file</td>"))
    }

    @Test func twoDimensionalJobIsAMatrix() throws {
        let html = StatusPage.render([Sample.byRegion], generatedAt: Sample.generatedAt)
        #expect(html.contains("<table class=\"grid\" data-job=\"sales\" data-layout=\"matrix\">"))
        #expect(
            html.contains(
                "<th scope=\"col\" class=\"corner\">date \\ region</th><th scope=\"col\">eu</th><th scope=\"col\">us</th></tr>"
            ))
        #expect(occurrences(of: "data-key=", in: html) == 4)

        let first = try #require(tableRow(html, header: "2024-01-01"))
        let eu = try #require(first.range(of: "<td class=\"state-loaded\" data-key=\"2024-01-01|eu\""))
        let us = try #require(first.range(of: "<td class=\"state-loaded\" data-key=\"2024-01-01|us\""))
        #expect(eu.lowerBound < us.lowerBound)
        #expect(first.contains(">10</td>"))
        #expect(first.contains(">20</td>"))

        let second = try #require(tableRow(html, header: "2024-01-02"))
        #expect(
            second.contains(
                "<td class=\"state-failed\" data-key=\"2024-01-02|eu\" title=\"2024-01-02|eu: failed, 9 rows, loaded at 2024-01-02T00:00:02Z; last error: timeout\">9</td>"
            ))
        #expect(second.contains("<td class=\"state-missing\" data-key=\"2024-01-02|us\""))
        // The failure is also spelled out under the grid.
        #expect(html.contains("<dt>2024-01-02|eu</dt><dd class=\"error\">timeout</dd>"))
    }

    @Test func missingCombinationIsAnEmptyCellWithoutKey() {
        var job = Sample.byRegion
        job.partitions.removeLast()  // 2024-01-02|us
        let html = StatusPage.render([job], generatedAt: Sample.generatedAt)
        #expect(occurrences(of: "data-key=", in: html) == 3)
        #expect(html.contains("<td class=\"absent\"></td>"))
    }

    @Test func hostileTextIsEscapedEverywhere() {
        let hostile = "<script>alert(1)</script>"
        let quotes = "\"&'"
        let job = JobStatus(
            job: hostile, table: quotes, dimensions: [hostile, quotes],
            partitions: [
                PartitionStatus(key: Sample.key(hostile, quotes), state: .failed, lastError: hostile + quotes)
            ])
        let list = JobStatus(
            job: quotes, table: hostile, dimensions: [quotes],
            partitions: [
                PartitionStatus(key: Sample.key(quotes), state: .failed, loadedAt: hostile, lastError: hostile)
            ])
        for html in [
            StatusPage.render([job, list], generatedAt: Sample.generatedAt),
            StatusPage.renderError(hostile + quotes, generatedAt: Sample.generatedAt),
        ] {
            #expect(!html.contains("<script"))
            #expect(!html.contains("\"&'"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(html.contains("&quot;&amp;&#39;"))
        }
        let html = StatusPage.render([job, list], generatedAt: Sample.generatedAt)
        #expect(html.contains("data-job=\"&lt;script&gt;alert(1)&lt;/script&gt;\""))
        #expect(html.contains("data-job=\"&quot;&amp;&#39;\""))
        #expect(html.contains("data-key=\"&lt;script&gt;alert(1)&lt;/script&gt;|&quot;&amp;&#39;\""))
    }

    @Test func htmlEscapeEscapesTheFiveCharacters() {
        #expect(StatusPage.htmlEscape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(StatusPage.htmlEscape("plain ✓ text\r\n") == "plain ✓ text\r\n")
        #expect(StatusPage.htmlEscape("&amp;") == "&amp;amp;")
    }

    @Test func noJobsAndNoPartitionsSaySo() {
        #expect(StatusPage.render([], generatedAt: Sample.generatedAt).contains("No jobs are configured."))
        let empty = JobStatus(job: "new", table: "s.t", dimensions: ["date"], partitions: [])
        let html = StatusPage.render([empty], generatedAt: Sample.generatedAt)
        #expect(html.contains("No partitions are due yet."))
        #expect(!html.contains("class=\"grid\""))
        #expect(html.contains("<dt>next run</dt><dd>—</dd>"))
    }

    /// Renders both layouts with every state; with STEVEDORE_STATUS_PAGE_OUT set, also writes the page
    /// there (for scripts/check-status-page against a static server).
    @Test func samplePage() throws {
        let html = StatusPage.render([Sample.daily, Sample.byRegion], generatedAt: Sample.generatedAt)
        #expect(occurrences(of: "<table class=\"grid\"", in: html) == 2)
        #expect(occurrences(of: "<table", in: html) == occurrences(of: "</table>", in: html))
        #expect(occurrences(of: "<tr>", in: html) == occurrences(of: "</tr>", in: html))
        #expect(occurrences(of: "<td", in: html) == occurrences(of: "</td>", in: html))
        if let path = ProcessInfo.processInfo.environment["STEVEDORE_STATUS_PAGE_OUT"], !path.isEmpty {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
