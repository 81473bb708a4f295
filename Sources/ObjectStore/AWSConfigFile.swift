import Foundation

/// The INI files of the AWS CLI, `~/.aws/credentials` and `~/.aws/config`: sections of
/// `key = value` lines. In `config`, a named profile's section is `[profile NAME]`; `[default]`
/// and every section of `credentials` use the bare name.
struct AWSConfigFile: Sendable, Hashable {
    private(set) var sections: [String: [String: String]] = [:]

    init(text: String) {
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = String(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
    }

    /// The settings of `profile` in a credentials file.
    func credentialsProfile(_ profile: String) -> [String: String]? {
        sections[profile]
    }

    /// The settings of `profile` in a config file (`[profile NAME]`, or `[default]`).
    func configProfile(_ profile: String) -> [String: String]? {
        sections["profile \(profile)"] ?? (profile == "default" ? sections["default"] : nil)
    }
}
