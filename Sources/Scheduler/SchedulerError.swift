/// A scheduler failure that is not a load's own (a load's is a `StevedoreError`): a configuration
/// that cannot be used, a source that could not produce a partition's rows, an unknown job or key.
/// Names the job and partition it concerns.
public struct SchedulerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// A job, partition definition, schedule or placeholder that cannot be used as written.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The source failed: a missing file, a command that exited non-zero, a failed query.
        public static let source = Code("source")
        /// No job by that name, or a partition key the job does not have.
        public static let notFound = Code("notFound")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var job: String?
    public var partition: String?

    public init(code: Code, message: String, job: String? = nil, partition: String? = nil) {
        self.code = code
        self.message = message
        self.job = job
        self.partition = partition
    }

    static func invalidConfiguration(_ message: String, job: String? = nil) -> SchedulerError {
        SchedulerError(code: .invalidConfiguration, message: message, job: job)
    }

    public var description: String {
        var text = ""
        if let job { text += "job \(job)" }
        if let partition { text += (text.isEmpty ? "partition " : " partition ") + partition }
        return text.isEmpty ? message : "\(text): \(message)"
    }
}
