import ArgumentParser
import Stevedore

/// Flag checks run in argument-parser's `validate()`: a usage error found by the helpers that
/// `run()` shares becomes a `ValidationError`, which argument-parser prints with the command's
/// usage (exit 64).
enum Validation {
    static func check(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as StevedoreError {
            throw ValidationError(error.message)
        }
    }
}
