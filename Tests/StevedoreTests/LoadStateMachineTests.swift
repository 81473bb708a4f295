import Frames
import Testing
import Warehouse

@testable import Stevedore

/// The pipelined copy's decisions, without a server: batches in, actions out.
@Suite("load state machine")
struct LoadStateMachineTests {
    static let table: TableRef = "analytics.sales"

    /// A batch of `rows` whose inference has seen every row of `rows` so far.
    struct Feed {
        var inference: SchemaInference
        let columns: [String]

        init(_ columns: [String], targets: [String: ColumnType] = [:], pins: [String: ColumnType] = [:]) {
            inference = SchemaInference(pinnedTypes: pins, targetTypes: targets)
            self.columns = columns
        }

        mutating func batch(_ rows: [[String?]], endsPart: Bool = false, columns: [String]? = nil) throws
            -> LoadStateMachine.Batch
        {
            let names = columns ?? self.columns
            try inference.observe(TextBatch(columnNames: names, rows: rows))
            return LoadStateMachine.Batch(
                columns: names, rowCount: rows.count, csvByteCount: 10 * rows.count,
                endsPart: endsPart, inference: inference)
        }
    }

    /// `hold`: the CSV held while a column has no value; 0 prepares the table at the first part's end.
    static func machine(existing: [ColumnDefinition]? = nil, limit: Int = 1 << 20, hold: Int = 0) -> LoadStateMachine {
        LoadStateMachine(
            dialect: PostgresDialect(), table: table, existing: existing, firstPartCSVLimit: limit,
            placeholderHoldLimit: hold)
    }

    /// A new table: the first part is held, then prepared; returns the machine in `.copying`.
    static func copying(_ feed: inout Feed, first rows: [[String?]], existing: [ColumnDefinition]? = nil)
        throws -> LoadStateMachine
    {
        var machine = Self.machine(existing: existing)
        #expect(machine.batchArrived(try feed.batch(rows)) == .hold)
        let ending = try feed.batch(rows, endsPart: true)
        guard case .prepareTable(let decisive) = machine.batchArrived(ending) else {
            Issue.record("the end of the first part must prepare the table")
            return machine
        }
        #expect(machine.state == .preparingTable)
        let executed = try SchemaPlan.make(
            existing: existing, incoming: decisive, dialect: PostgresDialect(),
            table: table)
        var columns = existing ?? []
        columns += (executed.createColumns ?? []) + executed.addColumns
        #expect(
            machine.tablePrepared(executed: executed, columns: columns, decisive: decisive)
                == .startCopy(columns: feed.columns))
        #expect(machine.state == .copying)
        #expect(machine.heldBatchCount == 0)
        return machine
    }

    @Test("the first part is held until it ends, then the table is prepared and the copy starts")
    func holdsFirstPart() throws {
        var feed = Feed(["id", "amount"])
        var machine = try Self.copying(&feed, first: [["1", "7.5"], ["2", "10"]])
        #expect(machine.ownColumns == ["id", "amount"])
        #expect(machine.holdsDDLLock)
        #expect(machine.batchArrived(try feed.batch([["3", "12.25"]])) == .write)
        #expect(machine.inputEnded() == .finish)
        #expect(machine.state == .finished)
    }

    @Test("the CSV limit ends the first part early; a batch of no rows is skipped")
    func firstPartLimit() throws {
        var feed = Feed(["id"])
        var machine = Self.machine(limit: 25)
        #expect(machine.batchArrived(try feed.batch([])) == .skip)
        #expect(machine.batchArrived(try feed.batch([["1"], ["2"]])) == .hold)
        guard case .prepareTable = machine.batchArrived(try feed.batch([["3"], ["4"]])) else {
            Issue.record("20 + 20 bytes pass a limit of 25")
            return
        }
    }

    @Test("a wider type in a column this load created is changed in place, and the copy goes on")
    func widensOwnColumn() throws {
        var feed = Feed(["id", "n"])
        var machine = try Self.copying(&feed, first: [["1", "5"], ["2", "6"]])
        // bigint was created (headroom); a decimal makes it numeric, a cast of the integers copied.
        let action = machine.batchArrived(try feed.batch([["3", "2.5"]]))
        #expect(action == .alter([.convert(name: "n", from: .bigint, to: .numeric)], columns: ["id", "n"]))
        #expect(machine.state == .altering)
        let after = [ColumnDefinition(name: "id", type: .bigint), ColumnDefinition(name: "n", type: .numeric)]
        #expect(
            machine.altered(columns: after, newColumns: ["id", "n"], filled: []) == .startCopy(columns: ["id", "n"]))
        // Larger integers and more digits fit what the column is now.
        #expect(machine.batchArrived(try feed.batch([["99999999999", "123456.789"]])) == .write)
        #expect(machine.changesWhileCopying.count == 1)
    }

    @Test("a column NULL in the whole first part is created as a placeholder and typed when values come")
    func placeholderColumn() throws {
        var feed = Feed(["id", "late"])
        var machine = try Self.copying(&feed, first: [["1", nil], ["2", nil]])
        #expect(machine.placeholders == ["late"])
        #expect(machine.batchArrived(try feed.batch([["3", nil]])) == .write)
        let action = machine.batchArrived(try feed.batch([["4", "2024-05-01"]]))
        #expect(action == .alter([.convert(name: "late", from: .text, to: .date)], columns: ["id", "late"]))
        let after = [ColumnDefinition(name: "id", type: .bigint), ColumnDefinition(name: "late", type: .date)]
        _ = machine.altered(columns: after, newColumns: ["id", "late"], filled: ["late"])
        #expect(machine.placeholders.isEmpty)
        // date → timestamp is an exact cast of the dates copied.
        #expect(
            machine.batchArrived(try feed.batch([["5", "2024-05-01 10:00:00"]]))
                == .alter([.convert(name: "late", from: .date, to: .timestamp)], columns: ["id", "late"]))
    }

    @Test(
        "a column without a value in the first part holds the batches until its first value, then is created with its type"
    )
    func awaitsValues() throws {
        var feed = Feed(["id", "late"])
        var machine = Self.machine(hold: 1 << 20)
        #expect(machine.batchArrived(try feed.batch([["1", nil]], endsPart: true)) == .hold)
        #expect(machine.state == .awaitingValues)
        #expect(machine.batchArrived(try feed.batch([])) == .skip)
        #expect(machine.batchArrived(try feed.batch([["2", nil]], endsPart: true)) == .hold)
        guard case .prepareTable(let decisive) = machine.batchArrived(try feed.batch([["3", "2024-05-01"]])) else {
            Issue.record("the first value ends the hold")
            return
        }
        #expect(decisive["late"]?.type == .date)
        let plan = try SchemaPlan.make(existing: nil, incoming: decisive, dialect: PostgresDialect(), table: Self.table)
        let columns = plan.createColumns ?? []
        #expect(columns.map(\.type) == [.bigint, .date])
        #expect(
            machine.tablePrepared(executed: plan, columns: columns, decisive: decisive)
                == .startCopy(columns: ["id", "late"]))
        #expect(machine.placeholders.isEmpty)
        #expect(machine.batchArrived(try feed.batch([["4", nil]])) == .write)
        #expect(machine.changesWhileCopying.isEmpty)
    }

    @Test("the hold ends at its CSV limit or at the input's end; the column is then a placeholder")
    func holdLimit() throws {
        var feed = Feed(["id", "late"])
        var machine = Self.machine(hold: 25)
        #expect(machine.batchArrived(try feed.batch([["1", nil], ["2", nil]], endsPart: true)) == .hold)
        guard case .prepareTable(let decisive) = machine.batchArrived(try feed.batch([["3", nil]])) else {
            Issue.record("20 + 10 bytes pass a hold of 25")
            return
        }
        let plan = try SchemaPlan.make(existing: nil, incoming: decisive, dialect: PostgresDialect(), table: Self.table)
        _ = machine.tablePrepared(executed: plan, columns: plan.createColumns ?? [], decisive: decisive)
        #expect(machine.placeholders == ["late"])

        var ending = Feed(["id", "late"])
        var short = Self.machine(hold: 1 << 20)
        #expect(short.batchArrived(try ending.batch([["1", nil]], endsPart: true)) == .hold)
        guard case .prepareTable = short.inputEnded() else {
            Issue.record("the end of the input ends the hold")
            return
        }
    }

    @Test("a column the table already has, or a pinned one, does not hold the copy back")
    func noHoldForKnownTypes() throws {
        let existing = [ColumnDefinition(name: "id", type: .bigint), ColumnDefinition(name: "late", type: .date)]
        var feed = Feed(["id", "late"], targets: ["id": .bigint, "late": .date])
        var machine = Self.machine(existing: existing, hold: 1 << 20)
        guard case .prepareTable = machine.batchArrived(try feed.batch([["1", nil]], endsPart: true)) else {
            Issue.record("the table's own type needs no value to decide")
            return
        }
        var pinned = Feed(["id", "late"], pins: ["late": .date])
        var fresh = Self.machine(hold: 1 << 20)
        guard case .prepareTable = fresh.batchArrived(try pinned.batch([["1", nil]], endsPart: true)) else {
            Issue.record("a pinned type needs no value to decide")
            return
        }
    }

    @Test("columns that change while values are awaited: the held rows' table first, then the new batch is decided")
    func widthChangeWhileAwaiting() throws {
        var feed = Feed(["id", "late"])
        var machine = Self.machine(hold: 1 << 20)
        #expect(machine.batchArrived(try feed.batch([["1", nil]], endsPart: true)) == .hold)
        let wider = try feed.batch([["2", nil, "x"]], columns: ["id", "late", "extra"])
        guard case .prepareTableBefore(let decisive) = machine.batchArrived(wider) else {
            Issue.record("a new width after the first part prepares the table for the held rows")
            return
        }
        #expect(decisive["extra"] == nil)
        let plan = try SchemaPlan.make(existing: nil, incoming: decisive, dialect: PostgresDialect(), table: Self.table)
        let columns = plan.createColumns ?? []
        #expect(
            machine.tablePrepared(executed: plan, columns: columns, decisive: decisive)
                == .startCopy(columns: ["id", "late"]))
        #expect(machine.placeholders == ["late"])
        #expect(
            machine.batchArrived(wider)
                == .alter(
                    [.add(ColumnDefinition(name: "extra", type: .text))],
                    columns: ["id", "late", "extra"]))
    }

    @Test("a change no cast makes exactly falls back: numbers that turn out to be text")
    func fallsBackToText() throws {
        var feed = Feed(["id", "code"])
        var machine = try Self.copying(&feed, first: [["1", "12"], ["2", "13"]])
        guard case .fallBack = machine.batchArrived(try feed.batch([["3", "A-14"]])) else {
            Issue.record("bigint → text would print '+5' as '5': the copy must fall back")
            return
        }
        #expect(machine.state == .fallingBack)
        #expect(machine.inputEnded() == .finish)
    }

    @Test("a column of an existing table that needs DDL after the first part falls back, unless the table is locked")
    func existingTable() throws {
        let existing = [ColumnDefinition(name: "id", type: .integer), ColumnDefinition(name: "v", type: .smallint)]
        var feed = Feed(["id", "v"], targets: ["id": .integer, "v": .smallint])
        // Values fit: no DDL, and the copy starts without the DDL lock.
        var machine = Self.machine(existing: existing)
        guard case .prepareTable(let decisive) = machine.batchArrived(try feed.batch([["1", "2"]], endsPart: true))
        else {
            Issue.record("the first part ended")
            return
        }
        let plan = try SchemaPlan.make(
            existing: existing, incoming: decisive, dialect: PostgresDialect(), table: Self.table)
        #expect(!plan.needsDDL)
        #expect(
            machine.tablePrepared(executed: nil, columns: existing, decisive: decisive)
                == .startCopy(columns: ["id", "v"]))
        #expect(!machine.holdsDDLLock)
        #expect(machine.batchArrived(try feed.batch([["2", "300"]])) == .write)
        guard case .fallBack = machine.batchArrived(try feed.batch([["3", "40000"]])) else {
            Issue.record("smallint → bigint on a table this transaction has not locked for DDL must fall back")
            return
        }
        // A new column likewise.
        var other = Self.machine(existing: existing)
        var wide = Feed(["id", "v"], targets: ["id": .integer, "v": .smallint])
        guard case .prepareTable(let first) = other.batchArrived(try wide.batch([["1", "2"]], endsPart: true)) else {
            return
        }
        _ = other.tablePrepared(executed: nil, columns: existing, decisive: first)
        guard case .fallBack = other.batchArrived(try wide.batch([["1", "2", "x"]], columns: ["id", "v", "extra"]))
        else {
            Issue.record("a new column without the DDL lock must fall back")
            return
        }
    }

    @Test("with the table locked for DDL, a new column is added and the COPY restarts with it")
    func addsColumnWhileCopying() throws {
        var feed = Feed(["id"])
        var machine = try Self.copying(&feed, first: [["1"], ["2"]])
        let action = machine.batchArrived(try feed.batch([["3", "x"]], columns: ["id", "extra"]))
        #expect(action == .alter([.add(ColumnDefinition(name: "extra", type: .text))], columns: ["id", "extra"]))
    }

    @Test("a column added while copying before any value is a placeholder, typed when its values come")
    func addedPlaceholder() throws {
        var feed = Feed(["id"])
        var machine = try Self.copying(&feed, first: [["1"], ["2"]])
        #expect(
            machine.batchArrived(try feed.batch([["3", nil]], columns: ["id", "late"]))
                == .alter([.add(ColumnDefinition(name: "late", type: .text))], columns: ["id", "late"]))
        let added = [ColumnDefinition(name: "id", type: .bigint), ColumnDefinition(name: "late", type: .text)]
        _ = machine.altered(columns: added, newColumns: ["id", "late"], filled: [])
        #expect(machine.placeholders == ["late"])
        #expect(
            machine.batchArrived(try feed.batch([["4", "7"]], columns: ["id", "late"]))
                == .alter([.convert(name: "late", from: .text, to: .bigint)], columns: ["id", "late"]))
    }

    @Test("a column added to an existing table is not cast in place: its table holds other loads' rows")
    func addedToExistingTable() throws {
        let existing = [ColumnDefinition(name: "id", type: .bigint)]
        var feed = Feed(["id", "late"], targets: ["id": .bigint])
        var machine = try Self.copying(&feed, first: [["1", nil], ["2", nil]], existing: existing)
        #expect(machine.placeholders == ["late"])
        #expect(!machine.createdTable)
        guard case .fallBack = machine.batchArrived(try feed.batch([["3", "2024-01-01"]])) else {
            Issue.record("a cast would rewrite the existing table")
            return
        }
    }

    @Test("columns that grow within the first part: the held rows' table first, then the column is added")
    func firstPartWidthChange() throws {
        var feed = Feed(["id"])
        var machine = Self.machine()
        #expect(machine.batchArrived(try feed.batch([["1"]])) == .hold)
        let wider = try feed.batch([["2", "x"]], columns: ["id", "extra"])
        guard case .prepareTableBefore(let decisive) = machine.batchArrived(wider) else {
            Issue.record("a part holds rows of one width: the held rows end one")
            return
        }
        let plan = try SchemaPlan.make(existing: nil, incoming: decisive, dialect: PostgresDialect(), table: Self.table)
        #expect(
            machine.tablePrepared(executed: plan, columns: plan.createColumns ?? [], decisive: decisive)
                == .startCopy(columns: ["id"]))
        #expect(
            machine.batchArrived(wider)
                == .alter(
                    [.add(ColumnDefinition(name: "extra", type: .text))],
                    columns: ["id", "extra"]))
    }

    @Test("no rows at all finish at once; failure and cancellation abort from any state")
    func endsAndFailures() throws {
        var empty = Self.machine()
        #expect(empty.inputEnded() == .finish)
        var feed = Feed(["id"])
        var holding = Self.machine()
        _ = holding.batchArrived(try feed.batch([["1"]]))
        guard case .prepareTable = holding.inputEnded() else {
            Issue.record("the end of the input ends the first part")
            return
        }
        #expect(holding.failed() == .abort)
        #expect(holding.state == .failed)
        #expect(holding.batchArrived(try feed.batch([["2"]])) == .abort)
        var copying = try Self.copying(&feed, first: [["1"]])
        #expect(copying.failed() == .abort)
        #expect(copying.inputEnded() == .abort)
    }

    @Test(
        "exact casts are the ones whose result equals a COPY of the text",
        arguments: [
            (SQLType.bigint, SQLType.numeric, true), (.bigint, .double, true), (.numeric, .double, true),
            (.date, .timestamptz, true), (.double, .numeric, false), (.bigint, .text, false), (.boolean, .text, false),
            (.timestamptz, .timestamp, false),
        ])
    func casts(from: SQLType, to: SQLType, exact: Bool) {
        #expect(LoadStateMachine.castsExactly(from: from, to: to) == exact)
    }
}
