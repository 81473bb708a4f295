import Digest

extension S3Store {
    /// Deletes `keys` with DeleteObjects, 1,000 keys a request. Keys S3 refuses are reported in
    /// the result; a request that fails as a whole throws.
    public func deleteMany(_ keys: [String]) async throws -> DeleteReport {
        var report = DeleteReport()
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(start + 1000, keys.count)])
            start += batch.count
            let xml =
                "<Delete><Quiet>true</Quiet>"
                + batch.map { "<Object><Key>\(XMLText.escape($0))</Key></Object>" }.joined()
                + "</Delete>"
            let body = Array(xml.utf8)
            let response = try await send(
                "DeleteObjects", method: "POST", key: "", query: [.init("delete")],
                headers: [
                    ("Content-MD5", MD5.hash(body).base64),
                    ("Content-Type", "application/xml"),
                ],
                body: .bytes(body), payload: .sha256(SHA256.hash(body).hex))
            let batchReport = Self.deleteResult(String(decoding: response.body, as: UTF8.self), requested: batch)
            report.deleted += batchReport.deleted
            report.failed += batchReport.failed
        }
        return report
    }

    /// Reads a quiet DeleteObjects answer: it lists only the keys that failed, each in an `<Error>`;
    /// every other requested key was deleted.
    static func deleteResult(_ text: String, requested: [String]) -> DeleteReport {
        let failures = XMLText.blocks("Error", in: text).map { block in
            DeleteReport.Failure(
                key: XMLText.firstElement("Key", in: block) ?? "",
                code: XMLText.firstElement("Code", in: block) ?? "",
                message: XMLText.firstElement("Message", in: block) ?? "")
        }
        let failedKeys = Set(failures.map(\.key))
        return DeleteReport(deleted: requested.filter { !failedKeys.contains($0) }, failed: failures)
    }
}
