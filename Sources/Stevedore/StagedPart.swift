/// One staged part: a complete gzip file of whole CSV rows in the stage, with the sizes and the
/// SHA-256 its upload was signed with.
public struct StagedPart: Sendable, Hashable {
    /// The object key in the stage.
    public var key: String
    public var rowCount: Int
    public var uncompressedByteCount: Int
    public var compressedByteCount: Int
    /// Hex SHA-256 of the compressed bytes.
    public var sha256: String
    /// How many leading columns of the load the part's rows hold (JSON Lines can add columns midway).
    public var columnCount: Int
    /// Where its lines came from, for naming a rejected line's input file and line.
    var origins = PartOrigins()
}

/// Redshift's manifest format, which lists every part with its byte length; written next to the
/// parts as `manifest.json`, so either dialect can copy a stage again without re-encoding.
public struct StageManifest: Sendable, Hashable {
    public var entries: [(url: String, contentLength: Int)]

    public init(parts: [StagedPart], urlPrefix: String) {
        entries = parts.map { ("\(urlPrefix)\($0.key)", $0.compressedByteCount) }
    }

    /// `{"entries":[{"url":"s3://b/k","mandatory":true,"meta":{"content_length":N}}, …]}`.
    public var json: String {
        let items = entries.map { entry in
            "{\"url\":\(JSONText.quote(entry.url)),\"mandatory\":true,\"meta\":{\"content_length\":\(entry.contentLength)}}"
        }
        return "{\"entries\":[" + items.joined(separator: ",") + "]}"
    }

    public static func == (lhs: StageManifest, rhs: StageManifest) -> Bool {
        lhs.json == rhs.json
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }
}
