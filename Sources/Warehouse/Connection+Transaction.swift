internal import CLibPQ

extension Connection {
    /// Opens a transaction block. Fails with `invalidState` if one is already open.
    public func begin() async throws {
        let handle = try readyHandle(for: "BEGIN")
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
            throw WarehouseError(code: .invalidState, message: "a transaction is already open", statement: "BEGIN")
        }
        try await execute("BEGIN")
    }

    /// Commits the open transaction. If the server rolled it back instead (a statement in it had
    /// failed), throws `transactionRolledBack`: nothing of it was kept.
    public func commit() async throws {
        let result = try await execute("COMMIT")
        if result.commandStatus == "ROLLBACK" {
            throw WarehouseError(
                code: .transactionRolledBack,
                message: "the transaction was rolled back at COMMIT because a statement in it failed",
                statement: "COMMIT")
        }
    }

    /// Rolls the open transaction back.
    public func rollback() async throws {
        try await execute("ROLLBACK")
    }

    /// Runs `body` inside BEGIN … COMMIT. Any error thrown by `body` (or cancellation) rolls the
    /// transaction back and is rethrown, so the database is left exactly as before.
    public func transaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await begin()
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollbackAfterFailure(error)
            throw error
        }
        try await commit()
        return value
    }

    /// Rolls back after `body` failed; a failure here is logged, and the original error wins.
    private func rollbackAfterFailure(_ error: any Error) async {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        switch activity {
        case .copyIn: abandonCopy(.copyIn, reason: "the transaction failed")
        case .copyOut: abandonCopy(.copyOut, reason: "the transaction failed")
        case .idle: break
        }
        do {
            try await execute("ROLLBACK")
        } catch let rollbackError {
            logger.info("rollback after a failed transaction also failed: \(rollbackError)")
        }
    }
}
