import Stevedore
import Testing
import Warehouse

/// The rule that runs a load's transaction again after Redshift's ERROR 1023, on sequences of
/// errors, with a fixed "random" share so that every wait is known.
@Suite("conflict retry")
struct ConflictRetryTests {
    static let conflict = WarehouseError(
        code: .serverError,
        message: "1023", sqlState: "XX000",
        detail: "Serializable isolation violation on table - 142209, transactions forming the cycle are: 1, 2 (pid:3)")
    static let conflictInMessage = WarehouseError(
        code: .serverError, message: "ERROR: 1023 DETAIL: Serializable isolation violation on table - 7")
    static let loadError = WarehouseError(
        code: .serverError, message: "Load into table 'sales' failed.  Check 'stl_load_errors'", sqlState: "XX000")

    /// The waits the rule gives for `errors`, one after another, until it gives none.
    static func waits(_ rule: ConflictRetry, _ errors: [any Error]) -> [Duration] {
        var waits: [Duration] = []
        for error in errors {
            guard let wait = rule.delay(after: error, retries: waits.count) else { break }
            waits.append(wait)
        }
        return waits
    }

    @Test("1023, in the message or the detail, is a conflict; a load error, a lost connection or a cancel are not")
    func recognizes() {
        #expect(ConflictRetry.isConflict(Self.conflict))
        #expect(ConflictRetry.isConflict(Self.conflictInMessage))
        #expect(!ConflictRetry.isConflict(Self.loadError))
        #expect(!ConflictRetry.isConflict(WarehouseError(code: .connectionLost, message: "1023")))
        #expect(!ConflictRetry.isConflict(CancellationError()))
    }

    @Test("backoff doubles from the base, capped, scaled by the random share; at most maxRetries")
    func backoff() {
        let rule = ConflictRetry(
            maxRetries: 4, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500), random: { 0.5 })
        let conflicts = [any Error](repeating: Self.conflict, count: 6)
        #expect(
            Self.waits(rule, conflicts) == [
                .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(250),
            ])
        let full = ConflictRetry(maxRetries: 2, baseDelay: .seconds(1), maxDelay: .seconds(8), random: { 0.999 })
        #expect(Self.waits(full, conflicts).count == 2)
        #expect(Self.waits(full, conflicts).allSatisfy { $0 < .seconds(2) })
    }

    @Test("another error stops the sequence at once, even after conflicts; none retries nothing")
    func otherErrors() {
        let rule = ConflictRetry(maxRetries: 5, baseDelay: .milliseconds(10), random: { 1 })
        #expect(Self.waits(rule, [Self.loadError, Self.conflict]).isEmpty)
        #expect(Self.waits(rule, [Self.conflict, Self.conflictInMessage, Self.loadError, Self.conflict]).count == 2)
        #expect(Self.waits(.none, [Self.conflict]).isEmpty)
        #expect(Self.waits(ConflictRetry(maxRetries: -3), [Self.conflict]).isEmpty)
    }
}
