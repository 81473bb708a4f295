import Digest
import Foundation
import Frames
import IAMLogin
import Logging
import ObjectStore
import Warehouse

/// Stores frames and files into a warehouse table through a stage, and loads tables back: the
/// staged-COPY pattern of design.md. One `store` is one transaction: either every row is loaded
/// and recorded in the ledger, or the table is exactly as it was.
///
///     let loader = Loader(warehouse: "postgres://loader@db/warehouse", stage: try FileStore(url: "file:///tmp/stage"))
///     try await loader.store(frame, into: "analytics.sales", partition: .day("2024-01-01", column: "sale_date"))
///     let back = try await loader.load("analytics.sales", partition: .day("2024-01-01", column: "sale_date"))
public struct Loader: Sendable {
    /// How a loader stages and records its loads.
    public struct Options: Sendable {
        /// Parts rotate once their compressed size reaches this: within Redshift's advised size per
        /// file, and several files for its slices (docs/performance.md has the measurements). On
        /// Redshift, with `sizePartsForCluster`, it is the size used when the slices or the input's
        /// size are unknown.
        public var partSize = 16 * 1024 * 1024
        /// On Redshift, rotate parts at the size `PartSizing` gives for the cluster's slices and
        /// `expectedStagedBytes`. Off (`--part-size`): every part rotates at `partSize`.
        public var sizePartsForCluster = true
        /// An estimate of the gzip bytes the load stages, for `sizePartsForCluster`; nil: a frame's
        /// is measured, other sources' unknown (parts at `partSize`). See `LoadSource.estimatedStagedBytes`.
        public var expectedStagedBytes: Int?
        /// Whether the Redshift warehouse is Serverless (no STV_SLICES); nil: judged from the
        /// warehouse's host (`WarehouseURL.isRedshiftServerless`).
        public var redshiftServerless: Bool?
        public var gzipLevel = GzipWriter.defaultLevel
        /// Parts uploaded at once while the next is encoded.
        public var uploadConcurrency = 2
        /// Keep the staged parts after a successful load. After a failure in the warehouse they are
        /// always kept (the error names their prefix); a failure while staging removes them.
        public var keepStage = false
        /// Skip the COPY when the content equals the last committed load of the same partition.
        public var skipUnchanged = false
        /// On PostgreSQL, copy each batch while the next is encoded, in a transaction opened before
        /// staging (replace, partition and append loads without `skipUnchanged`). Off: stage
        /// everything, then copy.
        public var pipelinedCopy = true
        /// On PostgreSQL, send the rows in the binary COPY format (the server then parses no text)
        /// when every column's type has a send format, pipelined or sequential; from a value that
        /// has no exact binary form on, the rows go as CSV. Off: always CSV.
        public var binaryCopy = true
        /// On PostgreSQL, `unloadArrow` reads the rows as `COPY … TO STDOUT (FORMAT binary)` when
        /// every column's type has a decoder (`ArrowFromPostgresBinary`), the same Arrow as from
        /// CSV with no text parsed. Off: always CSV.
        public var binaryUnload = true
        /// The part size (gzip bytes) of the pipelined copy after its first part (1 MiB at most): the
        /// COPY starts once the first part is encoded (its types, or those of its first 8 MiB of
        /// CSV, decide the DDL), and the parts being written and uploaded are in memory
        /// (`uploadConcurrency` + 1). Larger parts mean fewer requests to S3 (docs/performance.md).
        public var pipelinedPartSize = 4 * 1024 * 1024
        /// Load nothing when the ledger already holds a load of the partition, checked inside the
        /// load's transaction under the partition's lock (the scheduler's exactly-once guarantee).
        public var skipIfLoaded = false
        /// The key prefix of every load's parts in the stage.
        public var stagePrefix = "stevedore"
        /// Column types fixed by the caller, by column name.
        public var pinnedTypes: [String: ColumnType] = [:]
        public var ledger = LoadLedger()
        /// How Redshift reads the stage (Redshift only).
        public var redshiftAuthorization: RedshiftAuthorization?
        /// The stage bucket's region, when it differs from the cluster's (Redshift only).
        public var redshiftRegion: String?
        /// Called as the load goes (after each staged batch and at each phase), from the loading task.
        public var progress: (@Sendable (LoadProgress) -> Void)?
        /// How a transaction ended by a serializable isolation conflict (Redshift's ERROR 1023) is run again.
        public var conflictRetry = ConflictRetry()
        /// How a table the load creates is laid out (Redshift only: distribution style and key,
        /// compound sort key). The keys must be columns of the data; a table that exists keeps its own.
        public var tableDesign = TableDesign()

        public init() {}
    }

    /// A libpq connection string or URI; empty means libpq's `PG*` variables.
    public let warehouse: String
    public let dialect: any Dialect
    public let stage: any ObjectStore
    public let options: Options
    public let logger: Logger
    /// How sessions with the warehouse are opened (`.live`: libpq).
    public let sessions: Sessions
    /// Where each session's user and password come from when the URL asks for temporary
    /// credentials (`Locations.warehouseLogin`); nil: the connection string's own.
    public let login: DatabaseLoginProvider?

    public init(
        warehouse: String = "", dialect: any Dialect = PostgresDialect(), stage: any ObjectStore,
        options: Options = Options(), logger: Logger = Logger(label: "stevedore.loader"), sessions: Sessions = .live,
        login: DatabaseLoginProvider? = nil
    ) {
        // Before libpq or curl touch OpenSSL (see CryptoRuntime).
        CryptoRuntime.prepare()
        self.warehouse = warehouse
        self.dialect = dialect
        self.stage = stage
        self.options = options
        self.logger = logger
        self.sessions = sessions
        self.login = login
    }

    /// The same loader with other options: the warehouse, dialect, stage, logger and sessions stay.
    public func with(options: Options) -> Loader {
        Loader(
            warehouse: warehouse, dialect: dialect, stage: stage, options: options, logger: logger, sessions: sessions,
            login: login)
    }

    /// Stores `frame` into `table`. With a partition, the default mode replaces that partition;
    /// without, it replaces the whole table.
    @discardableResult
    public func store(
        _ frame: Frame, into table: TableRef, partition: PartitionSpec? = nil,
        mode: WriteMode? = nil
    ) async throws -> LoadReport {
        try await store(.frame(frame), into: table, partition: partition, mode: mode)
    }

    /// Stores rows from `source` (a frame, or a stream of batches read from files or a pipeline).
    @discardableResult
    public func store(
        _ source: LoadSource, into table: TableRef, partition: PartitionSpec? = nil,
        mode: WriteMode? = nil
    ) async throws -> LoadReport {
        let run = LoadRun(
            loader: self, table: table, partition: partition,
            mode: mode ?? (partition == nil ? .replace : .replacePartition))
        return try await run.execute(source)
    }

    /// Opens a session for this loader's warehouse, in UTC so naive timestamps read as written.
    func connect() async throws -> any WarehouseSession {
        do {
            let connection = try await sessions.open(warehouse, login, logger)
            for statement in dialect.sessionSetup {
                try await connection.execute(statement)
            }
            return connection
        } catch let error as WarehouseError {
            throw StevedoreError(
                code: .warehouse, step: .plan, message: "cannot connect to the warehouse: \(error.message)",
                underlying: error)
        } catch let error as IAMLoginError {
            throw StevedoreError(
                code: .warehouse, step: .plan, message: "cannot log in to the warehouse: \(error)", underlying: error)
        }
    }

    /// The columns of `table` from the catalog, nil when it does not exist. A type without a case
    /// of its own is `.other`, by its name.
    func existingColumns(_ table: TableRef, on connection: any WarehouseSession) async throws -> [ColumnDefinition]? {
        let query = dialect.tableColumns(table.tableName)
        let result = try await connection.execute(query.sql, query.parameters)
        guard !result.rows.isEmpty else { return nil }
        return result.rows.map { row in
            let name = row[0] ?? ""
            let dataType = row[1] ?? ""
            let type =
                dialect.sqlType(
                    dataType: dataType, characterMaximumLength: row[2].flatMap { Int($0) },
                    numericPrecision: row[3].flatMap { Int($0) }, numericScale: row[4].flatMap { Int($0) },
                    datetimePrecision: row.count > 7 ? row[7].flatMap { Int($0) } : nil)
                // Arrays, enums, domains and extension types: the catalog's data_type only says what kind.
                ?? .other(
                    ["ARRAY", "USER-DEFINED"].contains(dataType) ? (row.count > 6 ? row[6] : nil) ?? dataType : dataType
                )
            return ColumnDefinition(name: name, type: type, isNullable: row[5] != "NO")
        }
    }
}
