import Foundation
import Stevedore
import Testing

@testable import Scheduler

@Suite("Partition definitions")
struct PartitionDefinitionTests {
    static let days = TimeWindowPartitions(
        cadence: .daily, start: TimeWindowPartitionsTests.instant("2024-01-01T00:00:00Z"))

    @Test("day × region gives every complete day with every region, and each key's PartitionSpec")
    func twoDimensions() throws {
        let definition = PartitionDefinition([
            .init(name: "day", column: "sale_date", keys: .time(Self.days, columnIsDate: true)),
            .init(name: "region", column: "region", keys: .values(["eu", "us"])),
        ])
        let keys = definition.keys(asOf: TimeWindowPartitionsTests.instant("2024-01-03T01:00:00Z"))
        #expect(keys.map(\.description) == ["2024-01-01|eu", "2024-01-01|us", "2024-01-02|eu", "2024-01-02|us"])
        let spec = try #require(definition.spec(for: keys[3]))
        #expect(spec.label == "day=2024-01-02/region=us")
        #expect(spec.dimensions.map(\.expression) == [.column("sale_date"), .column("region")])
        #expect(definition.spec(for: .init(values: ["2024-01-02", "apac"])) == nil)
        #expect(definition.spec(for: .init(values: ["2024-01-02"])) == nil)
    }

    @Test("a timestamp column gets half-open windows with offsets")
    func timestampColumn() throws {
        let definition = PartitionDefinition([
            .init(
                name: "hour", column: "sold_at",
                keys: .time(
                    TimeWindowPartitions(
                        cadence: .hourly, start: TimeWindowPartitionsTests.instant("2024-01-01T00:00:00Z")),
                    columnIsDate: false))
        ])
        let keys = definition.keys(asOf: TimeWindowPartitionsTests.instant("2024-01-01T02:30:00Z"))
        #expect(keys.map(\.description) == ["2024-01-01T00:00+00:00", "2024-01-01T01:00+00:00"])
        let spec = try #require(definition.spec(for: keys[1]))
        #expect(spec.dimensions[0].key == .window(start: "2024-01-01T01:00:00+00:00", end: "2024-01-01T02:00:00+00:00"))
    }
}
