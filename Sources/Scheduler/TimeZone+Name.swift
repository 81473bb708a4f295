import Foundation

extension TimeZone {
    /// The zone's IANA name as users write it: `UTC` where Foundation on Linux says `GMT`.
    public var configurationName: String {
        identifier == "GMT" ? "UTC" : identifier
    }
}
