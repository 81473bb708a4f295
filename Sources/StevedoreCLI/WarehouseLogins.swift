import Blocking
import Warehouse

/// The IAM login providers made so far, one per warehouse URL, so that every job on a warehouse
/// shares one cache of fetched credentials.
final class WarehouseLogins: Sendable {
    private let providers = LockedBox<[String: DatabaseLoginProvider?]>([:])

    /// The provider made for `url`, or `make`'s, kept for the next call with the same URL.
    func provider(for url: String, make: () throws -> DatabaseLoginProvider?) rethrows -> DatabaseLoginProvider? {
        if let known = providers.withLock({ $0[url] }) { return known }
        let made = try make()
        return providers.withLock { known in
            if let existing = known[url] { return existing }
            known[url] = made
            return made
        }
    }

    /// How many URLs have a provider (nil for a URL without an IAM login).
    var count: Int { providers.withLock { $0.count } }
}
