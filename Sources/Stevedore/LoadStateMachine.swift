import Frames
import Warehouse

/// The copy side of the pipelined load as a pure state machine: batches and I/O results come in as
/// events, and each returns the action `LoadRun+Pipelined` performs next (docs/architecture.md).
struct LoadStateMachine: Sendable {
    enum State: Sendable, Hashable {
        /// Batches of the first part are held until it ends.
        case holdingFirstPart
        /// The first part ended while a column the load would create had no value yet: batches are
        /// still held, until every such column has one, the held CSV reaches `placeholderHoldLimit`
        /// or the input ends, so that the column is created with its type instead of cast later.
        /// In either holding state, a batch of another width prepares the table for the held rows.
        case awaitingValues
        /// The I/O code runs the first part's DDL and the mode's delete.
        case preparingTable
        /// A COPY is open; batches go into it.
        case copying
        /// The COPY was ended so that the table can change; then a new COPY starts.
        case altering
        /// The copy stopped; staging finishes and the stage is copied sequentially.
        case fallingBack
        case finished
        case failed
    }

    /// What the I/O code knows of a batch, for deciding.
    struct Batch: Sendable, Hashable {
        var columns: [String]
        var rowCount: Int
        var csvByteCount: Int
        var endsPart: Bool
        /// The encoder's inference over every row up to the batch's end.
        var inference: SchemaInference
    }

    /// One change of a column while the load copies.
    enum ColumnChange: Sendable, Hashable {
        case add(ColumnDefinition)
        /// An in-place widening of a column that was there before the load.
        case widen(SchemaPlan.WidenedColumn)
        /// A column this load created or added, converted with a cast of its own values (or of its
        /// NULLs, while it had no value).
        case convert(name: String, from: SQLType, to: SQLType)
    }

    enum Action: Sendable, Hashable {
        /// Keep the batch; nothing to do yet.
        case hold
        /// Nothing to copy (a batch of no rows).
        case skip
        /// Run the first part's DDL (re-planned under the DDL lock) and the mode's delete, then call
        /// `tablePrepared`.
        case prepareTable(SchemaInference)
        /// As `prepareTable` for the batches held so far; this batch is not held: hand it to
        /// `batchArrived` again once the copy has started.
        case prepareTableBefore(SchemaInference)
        /// Open the COPY with `columns` and write the held batches, then this one if not held.
        case startCopy(columns: [String])
        /// Write the batch into the open COPY.
        case write
        /// End the COPY, make the changes, call `altered`, and start a new COPY with `columns`, whose
        /// first batch is this one.
        case alter([ColumnChange], columns: [String])
        /// Stop copying: let go of held batches, drain the rest, roll back, copy the stage.
        case fallBack(reason: String)
        /// End the COPY (if any); the copy is complete.
        case finish
        /// End without copying: a failure or a cancellation.
        case abort
    }

    private(set) var state = State.holdingFirstPart
    let dialect: any Dialect
    let table: TableRef
    let firstPartCSVLimit: Int
    /// The CSV held, at most, while a column the load would create has no value yet.
    let placeholderHoldLimit: Int
    /// The table's columns as this transaction sees them (nil: no table yet).
    private(set) var tableColumns: [ColumnDefinition]?
    /// Columns this load created or added.
    private(set) var ownColumns: Set<String> = []
    /// Own columns created before any value of theirs arrived (as text).
    private(set) var placeholders: Set<String> = []
    /// Whether this transaction changed the table (and so holds its DDL lock and an exclusive lock).
    private(set) var holdsDDLLock = false
    /// Whether this load created the table: only then may a column's own rows be rewritten by a cast.
    private(set) var createdTable = false
    /// Columns an `alter` adds, with whether they had no value yet.
    private var adding: [(name: String, placeholder: Bool)] = []
    private(set) var copyColumns: [String] = []
    private var held: [Batch] = []
    private var heldBytes = 0
    /// Changes made while copying, for the report.
    private(set) var changesWhileCopying: [ColumnChange] = []

    init(
        dialect: any Dialect, table: TableRef, existing: [ColumnDefinition]?, firstPartCSVLimit: Int,
        placeholderHoldLimit: Int
    ) {
        self.dialect = dialect
        self.table = table
        tableColumns = existing
        self.firstPartCSVLimit = firstPartCSVLimit
        self.placeholderHoldLimit = placeholderHoldLimit
    }

    /// Batches held for the first part, in order.
    var heldBatchCount: Int { held.count }

    mutating func batchArrived(_ batch: Batch) -> Action {
        switch state {
        case .holdingFirstPart, .awaitingValues:
            if let decisive = held.last, batch.columns != decisive.columns {
                // A part holds rows of one width, so the held rows end a part: their table first,
                // then this batch as if copying (its new columns are added).
                state = .preparingTable
                return .prepareTableBefore(decisive.inference)
            }
            if batch.rowCount > 0 {
                held.append(batch)
                heldBytes += batch.csvByteCount
            }
            if state == .holdingFirstPart, batch.endsPart || heldBytes >= firstPartCSVLimit {
                state = .awaitingValues
            }
            guard state == .awaitingValues, let decisive = held.last,
                heldBytes >= placeholderHoldLimit || !awaitsValues(decisive)
            else {
                return batch.rowCount > 0 ? .hold : .skip
            }
            state = .preparingTable
            return .prepareTable(decisive.inference)
        case .copying:
            guard batch.rowCount > 0 else { return .skip }
            return decide(batch)
        case .preparingTable, .altering, .fallingBack, .finished, .failed:
            return .abort
        }
    }

    /// Whether a column of `batch` that the load would create (inferred, not in the table) has had
    /// no value yet: created now, it would be a text placeholder, cast later with a rewrite.
    private func awaitsValues(_ batch: Batch) -> Bool {
        let existing = Set((tableColumns ?? []).map { key($0.name) })
        return batch.columns.contains { name in
            guard let column = batch.inference[name], column.valueCount == 0, column.isInferred else { return false }
            return !existing.contains(key(name))
        }
    }

    /// The end of the input.
    mutating func inputEnded() -> Action {
        switch state {
        case .holdingFirstPart, .awaitingValues:
            guard let decisive = held.last else {
                state = .finished
                return .finish
            }
            state = .preparingTable
            return .prepareTable(decisive.inference)
        case .copying:
            state = .finished
            return .finish
        case .fallingBack:
            return .finish
        case .preparingTable, .altering, .finished, .failed:
            return .abort
        }
    }

    /// The first part's DDL ran as `executed` (nil: none needed) and the table now has `columns`.
    mutating func tablePrepared(executed: SchemaPlan?, columns: [ColumnDefinition], decisive: SchemaInference) -> Action
    {
        guard state == .preparingTable else { return .abort }
        tableColumns = columns
        if let executed, executed.needsDDL {
            holdsDDLLock = true
            let own = (executed.createColumns ?? []) + executed.addColumns
            createdTable = executed.createColumns != nil
            ownColumns = Set(own.map(\.name))
            placeholders = Set(
                own.map(\.name).filter { name in
                    decisive[name].map { $0.valueCount == 0 && $0.isInferred } ?? false
                })
        }
        copyColumns = held.last?.columns ?? []
        held = []
        heldBytes = 0
        state = .copying
        return .startCopy(columns: copyColumns)
    }

    /// The changes of an `alter` ran; the table now has `columns`.
    mutating func altered(columns: [ColumnDefinition], newColumns: [String], filled: Set<String>) -> Action {
        guard state == .altering else { return .abort }
        tableColumns = columns
        placeholders.subtract(filled)
        for added in adding {
            ownColumns.insert(added.name)
            if added.placeholder { placeholders.insert(added.name) }
        }
        adding = []
        copyColumns = newColumns
        state = .copying
        return .startCopy(columns: copyColumns)
    }

    /// The copy failed, or the load was cancelled.
    mutating func failed() -> Action {
        state = .failed
        return .abort
    }

    private mutating func fallBack(_ reason: String) -> Action {
        state = .fallingBack
        held = []
        heldBytes = 0
        return .fallBack(reason: reason)
    }

    /// What a batch that arrives while copying needs: nothing, changes made in place, or the
    /// fallback.
    private mutating func decide(_ batch: Batch) -> Action {
        guard let columns = tableColumns else { return fallBack("the table is missing") }
        let byName = Dictionary(columns.map { (key($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [ColumnChange] = []
        var adds: [(name: String, placeholder: Bool)] = []
        for name in batch.columns {
            guard let column = batch.inference[name] else { continue }
            guard let current = byName[key(name)] else {
                guard holdsDDLLock else {
                    return fallBack("column '\(name)' is new, and the table was not locked for DDL")
                }
                changes.append(
                    .add(ColumnDefinition(name: name, type: TypeMapping.createdType(column, dialect: dialect))))
                adds.append((name, column.valueCount == 0 && column.isInferred))
                continue
            }
            if ownColumns.contains(current.name) {
                switch ownColumnChange(current, column) {
                case .none: break
                case .some(.some(let change)): changes.append(change)
                case .some(.none): return fallBack("column '\(name)' needs a type its values so far cannot be cast to")
                }
                continue
            }
            let widened: SchemaPlan.WidenedColumn?
            do {
                widened = try SchemaPlan.widening(name, column, current: current, dialect: dialect, table: table)
            } catch {
                return fallBack("column '\(name)' cannot take the values as they are")
            }
            if let widened {
                guard holdsDDLLock, widened.widening == .insideTransaction else {
                    return fallBack("column '\(name)' must widen, and the table was not locked for DDL")
                }
                changes.append(.widen(widened))
            }
        }
        guard changes.isEmpty && batch.columns == copyColumns else {
            state = .altering
            adding = adds
            changesWhileCopying += changes
            return .alter(changes, columns: batch.columns)
        }
        return .write
    }

    /// For a column this load made: nil when it needs nothing; `.some(nil)` when it must change
    /// in a way no cast of its values does exactly.
    private func ownColumnChange(_ current: ColumnDefinition, _ column: ColumnInference) -> ColumnChange?? {
        let wanted = dialect.storedType(TypeMapping.createdType(column, dialect: dialect))
        let have = dialect.storedType(current.type)
        if placeholders.contains(current.name) {
            guard column.valueCount > 0, wanted != have else { return .none }
            // A cast rewrites every row of the table: this load's own only when it created it.
            return createdTable ? .some(.convert(name: current.name, from: have, to: wanted)) : .some(.none)
        }
        let narrow = dialect.storedType(TypeMapping.sqlType(column.type, maxByteLength: max(1, column.maxByteLength)))
        if wanted == have || TypeMapping.loads(narrow, into: have) { return .none }
        return createdTable && Self.castsExactly(from: have, to: wanted)
            ? .some(.convert(name: current.name, from: have, to: wanted)) : .some(.none)
    }

    /// Conversions whose cast gives every value already copied exactly what the COPY of its text
    /// into the new type gives (the inference vouches that the values are exact in it): integers
    /// into numeric or (all exact) double, numeric into (all exact) double, dates into timestamps,
    /// timestamps into instants (the session is in UTC).
    static func castsExactly(from: SQLType, to: SQLType) -> Bool {
        switch (from, to) {
        case (.smallint, .numeric), (.integer, .numeric), (.bigint, .numeric), (.decimal, .numeric),
            (.smallint, .double), (.integer, .double), (.bigint, .double), (.numeric, .double), (.decimal, .double),
            (.smallint, .bigint), (.integer, .bigint),
            (.date, .timestamp), (.date, .timestamptz), (.timestamp, .timestamptz):
            return true
        default:
            return false
        }
    }

    private func key(_ name: String) -> String { dialect.foldsIdentifiersToLowercase ? name.lowercased() : name }
}
