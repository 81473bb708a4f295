import Foundation

extension S3Store {
    public func list(prefix: String) -> AsyncThrowingStream<ObjectSummary, any Error> {
        let cursor = ListingCursor(store: self, prefix: prefix)
        return AsyncThrowingStream(unfolding: { try await cursor.next() })
    }

    /// One ListObjectsV2 page: its objects and the token of the next page, if any.
    func listPage(prefix: String, continuationToken: String?) async throws -> ([ObjectSummary], String?) {
        var query: [HTTPRequest.QueryItem] = [
            .init("list-type", "2"), .init("prefix", prefix), .init("encoding-type", "url"),
            .init("max-keys", String(min(max(configuration.listPageSize, 1), 1000))),
        ]
        if let continuationToken {
            query.append(.init("continuation-token", continuationToken))
        }
        let response = try await send("ListObjectsV2", method: "GET", key: "", query: query)
        let text = String(decoding: response.body, as: UTF8.self)
        let objects = XMLText.blocks("Contents", in: text).compactMap { block -> ObjectSummary? in
            guard let key = XMLText.firstElement("Key", in: block) else { return nil }
            return ObjectSummary(
                key: Self.decodeListedKey(key),
                size: XMLText.firstElement("Size", in: block).flatMap { Int64($0) } ?? 0,
                etag: XMLText.firstElement("ETag", in: block)?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                lastModified: XMLText.firstElement("LastModified", in: block))
        }
        let truncated = XMLText.firstElement("IsTruncated", in: text) == "true"
        let next = truncated ? XMLText.firstElement("NextContinuationToken", in: text) : nil
        if truncated && next == nil {
            throw ObjectStoreError(
                code: .invalidResponse,
                message: "ListObjectsV2 said the listing is truncated but gave no continuation token",
                operation: "ListObjectsV2", bucket: configuration.bucket, requestID: response.requestID)
        }
        return (objects, next)
    }

    /// Keys come back form-encoded with `encoding-type=url` (`+` for a space, `%XX` for the rest),
    /// which keeps keys with characters XML cannot carry intact.
    static func decodeListedKey(_ key: String) -> String {
        SigV4Encoding.decode(key.replacingOccurrences(of: "+", with: " "))
    }
}

/// Walks a listing page by page as the consumer asks for objects; holds one page at a time.
actor ListingCursor {
    private let store: S3Store
    private let prefix: String
    private var page: [ObjectSummary] = []
    private var index = 0
    private var token: String?
    private var exhausted = false

    init(store: S3Store, prefix: String) {
        self.store = store
        self.prefix = prefix
    }

    func next() async throws -> ObjectSummary? {
        while index >= page.count {
            guard !exhausted else { return nil }
            let (objects, next) = try await store.listPage(prefix: prefix, continuationToken: token)
            page = objects
            index = 0
            token = next
            exhausted = next == nil
        }
        defer { index += 1 }
        return page[index]
    }
}
