import Foundation

/// The test services' settings, from the environment `scripts/services env` prints. A test that
/// needs a missing one fails with what to run, never skips.
public enum TestServices {
    /// Variables a test needs and the environment lacks.
    public struct NotConfigured: Error, CustomStringConvertible {
        public var variables: [String]

        public init(variable: String) {
            variables = [variable]
        }

        public init(variables: [String]) {
            self.variables = variables
        }

        public var description: String {
            "\(variables.joined(separator: " and ")) \(variables.count == 1 ? "is" : "are") not set: run `scripts/test`, "
                + "or `scripts/services up` and `eval \"$(scripts/services env)\"` before `swift test`"
        }
    }

    public static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Throws `NotConfigured` naming each of `names` that is unset or empty.
    public static func require(_ names: String...) throws {
        let missing = names.filter { environment[$0]?.isEmpty ?? true }
        guard missing.isEmpty else { throw NotConfigured(variables: missing) }
    }

    /// The value of `name`, or `NotConfigured`.
    public static func value(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else { throw NotConfigured(variable: name) }
        return value
    }
}
