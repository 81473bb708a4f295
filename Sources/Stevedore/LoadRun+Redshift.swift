import Frames
import Warehouse

/// The parts of a load that only a warehouse without advisory locks (Redshift) runs: the table
/// created before the load's transaction, and the load errors read after it rolled back.
extension LoadRun {
    /// Creates a table that does not exist yet in a transaction of its own, before the load's, so
    /// that the load's transaction can begin with `LOCK` of it and the ledger (`LOCK` needs the
    /// table). `CREATE TABLE IF NOT EXISTS` lets two first loads race harmlessly; under the lock
    /// the load reads the catalog again and adds what a concurrent first load left out. A table
    /// created here stays, empty, if the load then fails.
    func createBeforeTransaction(_ incoming: SchemaInference, _ connection: any WarehouseSession) async throws {
        guard dialect.advisoryLocks == nil else { return }
        guard try await loader.existingColumns(table, on: connection) == nil else {
            if !loader.options.tableDesign.isDefault {
                loader.logger.info(
                    "the table exists: its distribution and sort keys stay as they are",
                    metadata: ["table": "\(table)", "design": "\(loader.options.tableDesign)"])
            }
            return
        }
        let plan = try SchemaPlan.make(existing: nil, incoming: incoming, dialect: dialect, table: table)
        guard let columns = plan.createColumns else { return }
        let design = try loader.options.tableDesign.resolved(
            against: columns.map(\.name), dialect: dialect, table: table)
        for note in plan.notes { loader.logger.info("\(note)", metadata: ["table": "\(table)"]) }
        try await connection.transaction { connection in
            let schema = dialect.createSchema(table.schema)
            try await connection.execute(schema.sql, schema.parameters)
            let create = dialect.createTable(table.tableName, columns: columns, design: design)
            try await connection.execute(create.sql, create.parameters)
        }
    }

    /// `error` with the rows Redshift rejected, when it is a COPY's failure from the stage: read
    /// after the ROLLBACK (a failed transaction takes no more statements) from
    /// `SYS_LOAD_ERROR_DETAIL`, or `STL_LOAD_ERRORS` when that holds none, each row's part and line
    /// told as the input's file and line. Any other error comes back as it was.
    func withLoadErrors(
        _ error: any Error, step: StevedoreError.Step, staging: StagingResult, _ connection: any WarehouseSession
    ) async -> any Error {
        guard step == .copy, case .stage(let stageCopy) = dialect.copyRoute, var failure = error as? WarehouseError
        else { return error }
        var rows: [LoadErrorRow] = []
        for query in stageCopy.loadErrorQueries(loadID: loadID.rawValue, limit: 20) where rows.isEmpty {
            // A table this cluster lacks, or may not show this user, leaves the next to try.
            let result = try? await connection.execute(query.sql, query.parameters)
            rows = result?.rows.compactMap(LoadErrorRow.init) ?? []
        }
        guard !rows.isEmpty else { return failure }
        let origins = Dictionary(
            staging.parts.map { (String($0.key.split(separator: "/").last ?? ""), $0.origins) },
            uniquingKeysWith: { first, _ in first })
        failure.detail = rows.map { $0.described(origins: origins) }.joined(separator: "; ")
        return failure
    }
}

extension LoadRun {
    /// Where `=` ignores trailing blanks (Redshift), a merge key ending in one would replace the
    /// rows of another key (`'x '` matches `'x'`): such a load fails, naming the key and the value.
    func refuseTrailingBlanks(
        keys: [String], types: [String: SQLType], in staging: String, _ connection: any WarehouseSession
    ) async throws {
        guard dialect.ignoresTrailingBlanks else { return }
        let textKeys = keys.filter {
            switch types[$0] {
            case .varchar, .text: return true
            default: return false
            }
        }
        guard !textKeys.isEmpty else { return }
        let query = dialect.trailingBlankKey(in: staging, keys: textKeys)
        guard let row = try await connection.execute(query.sql, query.parameters).rows.first else { return }
        let shown = zip(textKeys, row).map { "\($0)='\($1 ?? "NULL")'" }.joined(separator: ", ")
        throw StevedoreError(
            code: .input, step: .copy,
            message: "the merge key \(shown) ends in a blank, which \(dialect.name) ignores when it compares "
                + "text, so it would replace the rows of the key without it; trim the key",
            table: table.description, partition: partitionLabel)
    }
}

extension LoadRun {
    /// Runs `body` in a transaction on `connection`, and again while it fails on a serializable
    /// isolation conflict and `ConflictRetry` allows (the rollback undid all of it, so it is safe);
    /// returns how many times it ran again.
    func retryingConflicts(
        _ connection: any WarehouseSession, _ body: (any WarehouseSession) async throws -> Void
    ) async throws -> Int {
        let rule = loader.options.conflictRetry
        var retries = 0
        while true {
            do {
                try await connection.transaction(body)
                return retries
            } catch {
                guard let delay = rule.delay(after: error, retries: retries) else { throw error }
                retries += 1
                loader.logger.info(
                    "serializable isolation conflict: the load's transaction runs again",
                    metadata: ["table": "\(table)", "retry": "\(retries)", "seconds": "\(delay.seconds)"])
                try await rule.sleep(delay)
            }
        }
    }
}
