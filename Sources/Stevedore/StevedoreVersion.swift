/// The release of the Stevedore library, as the CLI's `--version` and the load ledger record it.
public enum StevedoreVersion {
    public static let current = "0.1.0"
}
