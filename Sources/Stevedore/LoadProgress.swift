/// Where a load stands, reported as it goes (after each batch while staging, and at each phase):
/// for progress displays. Reports arrive from the loading task, in order.
public struct LoadProgress: Sendable, Hashable {
    /// The phase now running: `encode+stage`, `ddl`, `delete+copy`, `commit`, `cleanup`.
    public var phase: String
    /// Rows encoded so far.
    public var rows: Int
    /// Uncompressed CSV bytes encoded so far.
    public var bytes: Int
    /// Parts completed (staged) so far.
    public var parts: Int
}
