import Foundation
import ObjectStore
import TestSupport
import Testing

/// `stevedore load` through an https:// S3 endpoint with a self-signed certificate (the stunnel
/// proxy `scripts/services` starts in front of the test S3 server).
@Suite("stevedore over an https:// stage", .timeLimit(.minutes(5)))
struct TLSCommandTests {
    @Test(
        "the self-signed endpoint is refused (exit 74, naming the certificate) until --ca-bundle or AWS_CA_BUNDLE names it"
    )
    func caBundle() async throws {
        try CLI.requireServices()
        let endpoint = try TestServices.value("STEVEDORE_TEST_S3_TLS_ENDPOINT")
        let bundle = try TestServices.value("STEVEDORE_TEST_CA_BUNDLE")
        let schema = CLI.uniqueSchema()
        let table = "\(schema).sales"
        let file = try CLI.file("sales.csv", "id,amount\n1,2.50\n2,3.75\n")
        let stage = "s3://\(CLI.bucket)/tests/tls-\(schema)"
        let https = ["AWS_ENDPOINT_URL_S3": endpoint]

        let refused = try await CLI.run(["load", file.path, "--table", table, "--stage", stage], environment: https)
        BadInputTests.expectOneLineError(refused, status: 74, mentioning: "certificate")
        #expect(try ScheduleCommandTests.psql("SELECT to_regclass('\(table)') IS NULL") == "t", "no table was created")

        let flag = try await CLI.run(
            ["load", file.path, "--table", table, "--stage", stage, "--ca-bundle", bundle],
            environment: https)
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(
            try ScheduleCommandTests.psql("SELECT string_agg(id || ':' || amount, ' ' ORDER BY id) FROM \(table)")
                == "1:2.50 2:3.75")

        let variable = try await CLI.run(
            ["load", file.path, "--table", table, "--stage", stage, "--mode", "append"],
            environment: https.merging(["AWS_CA_BUNDLE": bundle]) { $1 })
        #expect(variable.status == 0, "\(variable.stderr)")
        #expect(try ScheduleCommandTests.psql("SELECT count(*) FROM \(table)") == "4")
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("an s3:// object glob over the self-signed endpoint: refused (exit 74) until --ca-bundle names it")
    func objectGlobCABundle() async throws {
        try CLI.requireServices()
        let endpoint = try TestServices.value("STEVEDORE_TEST_S3_TLS_ENDPOINT")
        let bundle = try TestServices.value("STEVEDORE_TEST_CA_BUNDLE")
        let store = S3Store(try S3Configuration.fromEnvironment(bucket: CLI.bucket))
        let prefix = "cli-tls-objects-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await store.put("\(prefix)/a.csv", body: .bytes(Array("id,amount\n1,2.50\n".utf8)))
        _ = try await store.put("\(prefix)/b.csv", body: .bytes(Array("id,amount\n2,3.75\n".utf8)))
        let schema = CLI.uniqueSchema()
        let table = "\(schema).sales"
        let stage = "file://\(FileManager.default.temporaryDirectory.path)/cli-tls-objects-stage"
        let load = ["load", "s3://\(CLI.bucket)/\(prefix)/*.csv", "--table", table, "--stage", stage]
        let https = ["AWS_ENDPOINT_URL_S3": endpoint, "AWS_CA_BUNDLE": ""]

        let refused = try await CLI.run(load, environment: https)
        BadInputTests.expectOneLineError(refused, status: 74, mentioning: "certificate")
        let accepted = try await CLI.run(load + ["--ca-bundle", bundle], environment: https)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(
            try ScheduleCommandTests.psql("SELECT string_agg(id || ':' || amount, ' ' ORDER BY id) FROM \(table)")
                == "1:2.50 2:3.75")
        _ = try ScheduleCommandTests.psql("DROP SCHEMA \(schema) CASCADE")
        _ = try await store.deleteMany(try await store.listKeys(prefix: prefix + "/"))
    }
}
