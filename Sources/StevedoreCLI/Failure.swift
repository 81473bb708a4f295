import ArgumentParser
import Foundation
import Scheduler
import Stevedore

/// Turns a failure into one or two lines on stderr and the documented exit code.
enum Failure {
    static let usage: Int32 = 64
    static let input: Int32 = 65
    static let warehouse: Int32 = 69
    static let stage: Int32 = 74

    static func exitCode(for error: StevedoreError) -> Int32 {
        switch error.code {
        case .invalidRequest: return usage
        case .input, .rowOutsidePartition, .incompatibleSchema, .duplicateMergeKey: return input
        case .stage: return stage
        default: return warehouse
        }
    }

    /// Runs `body`; a `StevedoreError` becomes its message and exit code.
    static func report(verbose: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StevedoreError {
            // libpq breaks its messages over indented lines; keep the error on one line.
            var text = "stevedore: " + "\(error)".replacingOccurrences(of: "\n\t", with: " ")
            if let hint = hint(for: error) { text += "\n  \(hint)" }
            if verbose, let underlying = error.underlying { text += "\n  detail: \(String(reflecting: underlying))" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            throw ExitCode(exitCode(for: error))
        } catch let error as SchedulerError {
            FileHandle.standardError.write(Data("stevedore: \(error)\n".utf8))
            throw ExitCode(error.code == .source ? input : usage)
        }
    }

    /// What to do next, for the failures that have an obvious remedy.
    static func hint(for error: StevedoreError) -> String? {
        switch error.code {
        case .incompatibleSchema: return "hint: pin the column's type with --type column=type, or change the table"
        case .rowOutsidePartition: return "hint: check --partition against the data, or load without a partition"
        case .stage: return "hint: run `stevedore check` to test the stage and its credentials"
        case .warehouse where error.step == .plan: return "hint: run `stevedore check` to test the connection"
        default: return nil
        }
    }

    /// A usage error: one line and exit code 64.
    static func usageError(_ message: String) -> StevedoreError {
        StevedoreError(code: .invalidRequest, step: .plan, message: message)
    }
}
