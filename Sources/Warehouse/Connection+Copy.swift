internal import CLibPQ

/// Sends the data of a `COPY … FROM STDIN` that `Connection.copyIn` started. Chunks may be any
/// size and need not end on row boundaries.
public struct CopyInWriter: Sendable {
    private let send: @Sendable (ArraySlice<UInt8>) async throws -> Void

    /// A writer that hands each chunk to `send` (a session's own way of sending COPY data).
    public init(_ send: @escaping @Sendable (ArraySlice<UInt8>) async throws -> Void) {
        self.send = send
    }

    /// Sends `bytes` to the server.
    public func write(_ bytes: [UInt8]) async throws {
        try await send(bytes[...])
    }

    /// Sends part of a buffer, without copying it first.
    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        try await send(bytes)
    }

    /// Sends the UTF-8 bytes of `text`.
    public func write(_ text: String) async throws {
        try await send(Array(text.utf8)[...])
    }
}

extension Connection {
    /// Runs `sql` (a `COPY … FROM STDIN`) and lets `body` stream the data through a writer. When
    /// `body` returns, the COPY ends and the number of rows copied is returned; when it throws, the
    /// COPY is aborted (the server loads nothing) and the error is rethrown. A row the server
    /// rejects surfaces as a `WarehouseError` whose `copyLine` names the line.
    public func copyIn(
        _ sql: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (CopyInWriter) async throws -> Void
    ) async throws -> Int {
        try await startCopyIn(sql)
        do {
            try await body(CopyInWriter { [self] bytes in try await putCopyData(bytes) })
        } catch {
            await abortCopyIn(reason: "aborted by the client: \(error)")
            throw error
        }
        return try await finishCopyIn(sql)
    }

    /// Runs `sql` (a `COPY … TO STDOUT`) and hands the data to `body` in chunks of about
    /// `chunkSize` bytes, each ending on a row boundary. Returns the number of rows. If `body`
    /// throws, the COPY is cancelled and the error rethrown.
    public func copyOut(
        _ sql: String,
        chunkSize: Int = 256 * 1024,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        try await startCopyOut(sql)
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await readCopyChunkCancellably(sql, chunkSize: chunkSize)
            } catch {
                await abortCopyOut()
                throw error
            }
            guard let chunk else { break }
            do {
                try await body(chunk)
            } catch {
                await abortCopyOut()
                throw error
            }
        }
        return try await finishCopyOut(sql)
    }

    // MARK: COPY IN steps, isolated to the connection's thread

    func startCopyIn(_ sql: String) async throws {
        try readyHandle(for: sql)
        try Self.checkSendable(sql, [])
        let result = try await cancellable(sql) { pointer in PQexec(pointer, sql) }
        guard let result, result.status == PGRES_COPY_IN else {
            try checked(result, sql)
            throw WarehouseError(
                code: .invalidRequest, message: "copyIn needs a COPY … FROM STDIN statement",
                statement: sql)
        }
        activity = .copyIn
    }

    func putCopyData(_ bytes: [UInt8]) throws {
        try putCopyData(bytes[...])
    }

    func putCopyData(_ bytes: ArraySlice<UInt8>) throws {
        guard let handle, activity == .copyIn else {
            throw WarehouseError(code: .invalidState, message: "no COPY FROM STDIN is in progress")
        }
        guard !bytes.isEmpty else { return }
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        if sent == 1 { return }
        // The server has already ended the COPY (usually a rejected row): its error explains why.
        activity = .idle
        if let failure = drainResults() {
            throw failure.error(statement: nil, redact: secrets.scrub)
        }
        throw connectionError(nil)
    }

    func finishCopyIn(_ sql: String) throws -> Int {
        guard let handle, activity == .copyIn else {
            throw WarehouseError(code: .invalidState, message: "no COPY FROM STDIN is in progress", statement: sql)
        }
        activity = .idle
        guard PQputCopyEnd(handle, nil) == 1 else {
            drainResults()
            throw connectionError(sql)
        }
        return try finalCopyResult(sql)
    }

    func abortCopyIn(reason: String) {
        guard activity == .copyIn else { return }
        abandonCopy(.copyIn, reason: reason)
    }

    // MARK: COPY OUT steps

    func startCopyOut(_ sql: String) async throws {
        try readyHandle(for: sql)
        try Self.checkSendable(sql, [])
        let result = try await cancellable(sql) { pointer in PQexec(pointer, sql) }
        guard let result, result.status == PGRES_COPY_OUT else {
            try checked(result, sql)
            throw WarehouseError(
                code: .invalidRequest, message: "copyOut needs a COPY … TO STDOUT statement",
                statement: sql)
        }
        activity = .copyOut
    }

    /// `readCopyChunk`, with a cancellation of the task sending the server a cancel request: a
    /// query that has not produced its first row yet (a long sort, say) stops too.
    func readCopyChunkCancellably(_ sql: String, chunkSize: Int) async throws -> [UInt8]? {
        let canceller = self.canceller
        let pool = self.pool
        canceller.prepare()
        return try await withTaskCancellationHandler {
            guard canceller.start() else {
                throw WarehouseError(code: .cancelled, message: "cancelled", statement: sql)
            }
            defer { canceller.finish() }
            return try readCopyChunk(sql, chunkSize: chunkSize)
        } onCancel: {
            canceller.cancelRunning(on: pool)
        }
    }

    /// Reads rows until about `chunkSize` bytes are collected; nil once the COPY has ended.
    func readCopyChunk(_ sql: String, chunkSize: Int) throws -> [UInt8]? {
        guard let handle, activity == .copyOut else { return nil }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize + 1024)
        while chunk.count < chunkSize {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                buffer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { row in
                    chunk.append(contentsOf: UnsafeBufferPointer(start: row, count: Int(length)))
                }
                PQfreemem(buffer)
            } else if length == -1 {
                activity = .idle
                break
            } else {
                activity = .idle
                if let failure = drainResults() {
                    throw failure.error(statement: sql, redact: secrets.scrub)
                }
                throw connectionError(sql)
            }
        }
        return chunk.isEmpty ? nil : chunk
    }

    func finishCopyOut(_ sql: String) throws -> Int {
        guard activity == .idle else {
            throw WarehouseError(code: .invalidState, message: "the COPY TO STDOUT has not ended", statement: sql)
        }
        return try finalCopyResult(sql)
    }

    func abortCopyOut() {
        guard activity == .copyOut else { return }
        abandonCopy(.copyOut, reason: "abandoned by the client")
    }

    // MARK: Shared

    /// Which way a COPY that must be abandoned was flowing.
    enum CopyDirection { case copyIn, copyOut }

    /// Ends a COPY in progress, discarding its data, so the connection can be used again.
    func abandonCopy(_ direction: CopyDirection, reason: String) {
        guard let handle else { return }
        activity = .idle
        switch direction {
        case .copyIn:
            guard PQputCopyEnd(handle, String(reason.prefix(200))) == 1 else { return }
        case .copyOut:
            canceller.cancelNow()
            discardCopyOutData(handle)
        }
        drainResults()
    }

    private func discardCopyOutData(_ handle: OpaquePointer) {
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 0)
            if let pending = buffer {
                PQfreemem(pending)
                buffer = nil
            }
            if length < 0 { return }
        }
    }

    /// The COPY's final result: its row count, or its error (with the line the server named).
    private func finalCopyResult(_ sql: String) throws -> Int {
        guard let handle, let first = PQgetResult(handle).map(ServerResult.init) else {
            throw connectionError(sql)
        }
        let failure = drainResults()
        if first.isError {
            throw first.error(statement: sql, redact: secrets.scrub)
        }
        if let failure {
            throw failure.error(statement: sql, redact: secrets.scrub)
        }
        return first.affectedRows ?? 0
    }

    /// Reads every pending result until libpq has none; returns the first error among them.
    @discardableResult
    func drainResults() -> ServerResult? {
        guard let handle else { return nil }
        var firstError: ServerResult?
        while let result = PQgetResult(handle).map(ServerResult.init) {
            if result.isError && firstError == nil { firstError = result }
            switch result.status {
            case PGRES_COPY_IN:
                guard PQputCopyEnd(handle, "abandoned") == 1 else { return firstError }
            case PGRES_COPY_OUT:
                discardCopyOutData(handle)
            default:
                break
            }
        }
        return firstError
    }
}
