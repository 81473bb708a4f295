import ObjectStore

extension ByteChannel {
    /// A channel fed by a download of `key` from `store`, started at once; the download waits
    /// while the channel is full. A failed download ends the channel with `failure(error)`.
    static func downloading(
        _ key: String, from store: any ObjectStore,
        failure: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) -> (channel: ByteChannel, task: Task<Void, Never>) {
        let channel = ByteChannel()
        let task = Task {
            do {
                // The sink runs on a pool thread (the transfer's): waiting there for the reader
                // blocks no cooperative thread.
                try await store.get(key, range: nil) { chunk in
                    if !chunk.isEmpty { try channel.sendBlocking(chunk) }
                }
                channel.finish()
            } catch {
                channel.finish(throwing: failure(error))
            }
        }
        return (channel, task)
    }
}
