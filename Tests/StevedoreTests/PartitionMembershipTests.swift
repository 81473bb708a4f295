import Testing

@testable import Stevedore

/// Which rows a partition key holds, checked while staging, agrees with the warehouse's DELETE.
@Suite("Partition membership")
struct PartitionMembershipTests {
    @Test("rows belong to a window as the warehouse compares the column with the cast bounds")
    func windowMembership() {
        // A day in New York: its bounds' offsets are ignored against dates and naive timestamps.
        let newYork = PartitionSpec.Key.window(start: "2024-03-01T00:00:00-05:00", end: "2024-03-02T00:00:00-05:00")
        #expect(PartitionMembership.contains(newYork, "2024-03-01"))
        #expect(!PartitionMembership.contains(newYork, "2024-03-02"))
        #expect(!PartitionMembership.contains(newYork, "2024-02-29"))
        #expect(PartitionMembership.contains(newYork, "2024-03-01 00:00:00"))
        #expect(PartitionMembership.contains(newYork, "2024-03-01T23:59:59.999999"))
        #expect(!PartitionMembership.contains(newYork, "2024-03-02 00:00:00"))
        // Against instants they count: 05:00 UTC to 05:00 UTC the next day.
        #expect(PartitionMembership.contains(newYork, "2024-03-01 05:00:00+00"))
        #expect(!PartitionMembership.contains(newYork, "2024-03-01 04:59:59+00"))
        #expect(PartitionMembership.contains(newYork, "2024-03-02 04:59:59+00"))
        #expect(!PartitionMembership.contains(newYork, "2024-03-02 00:00:00-05"))
        // The hour Berlin gains in October: 02:00+02:00 to 02:00+01:00 is a whole hour of instants.
        let repeated = PartitionSpec.Key.window(start: "2024-10-27T02:00:00+02:00", end: "2024-10-27T02:00:00+01:00")
        #expect(PartitionMembership.contains(repeated, "2024-10-27 00:30:00+00"))
        #expect(!PartitionMembership.contains(repeated, "2024-10-27 01:00:00+00"))
        // A naive bound against an instant is UTC, the session's time zone.
        #expect(PartitionMembership.contains(.value("2024-03-01 10:00:00"), "2024-03-01T11:00:00+01:00"))
        #expect(PartitionMembership.contains(.values(["eu", "us"]), "us"))
        #expect(!PartitionMembership.contains(.values(["eu", "us"]), "uk"))
        #expect(!PartitionMembership.contains(.values(["7"]), "07"))
    }
}
