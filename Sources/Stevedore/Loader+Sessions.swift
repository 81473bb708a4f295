import Logging
import Warehouse

extension Loader {
    /// How a loader opens its sessions with the warehouse: `.live` connects with libpq; `.custom`
    /// hands out sessions of the caller's (a test's scripted one, to check the SQL a load sends
    /// without a server).
    public struct Sessions: Sendable {
        let open:
            @Sendable (_ connectionString: String, _ login: DatabaseLoginProvider?, _ logger: Logger) async throws ->
                any WarehouseSession

        /// libpq connections to the loader's `warehouse`, as the user and password the loader's
        /// `login` hands out when it has one (Redshift's IAM logins).
        public static let live = Sessions { connectionString, login, logger in
            try await Connection.connect(connectionString, login: try await login?.login(), logger: logger)
        }

        /// Sessions that `open` makes.
        public static func custom(_ open: @escaping @Sendable () async throws -> any WarehouseSession) -> Sessions {
            Sessions { _, _, _ in try await open() }
        }
    }
}
