// swift-tools-version:6.0
import PackageDescription

// Module layout and the one-way dependencies between targets: docs/architecture.md
// (the design lives in ../shared/docs/design.md for the engineers).
let package = Package(
    name: "Stevedore",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Stevedore", targets: ["Stevedore"]),
        // The layers below the loader, for pipelines that build frames or talk to a stage directly.
        .library(name: "Frames", targets: ["Frames"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "Warehouse", targets: ["Warehouse"]),
        .executable(name: "stevedore", targets: ["StevedoreCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The scheduler as a Service in a ServiceGroup: graceful shutdown on SIGTERM and SIGINT.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The scheduler service's status endpoint: a small HTTP server on BSD sockets, no SwiftNIO.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // The four C libraries: a module map and one shim header each.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's malloc.h (mallopt), for the CLI's heap settings.
        .systemLibrary(name: "CMalloc"),

        // The one pool of threads for blocking work, and the locked box: no other module makes threads or locks.
        .target(name: "Blocking"),
        .target(name: "Digest", dependencies: ["CCrypto", "CZlib"]),
        .target(name: "Frames", dependencies: ["CZlib", "Digest"]),
        .target(
            name: "ObjectStore",
            dependencies: [
                "Blocking", "CCurl", "Digest", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Warehouse",
            dependencies: [
                "Blocking", "CLibPQ", .product(name: "Logging", package: "swift-log"),
            ]),
        // Temporary database credentials for Redshift's IAM logins: AWS's APIs over ObjectStore's
        // signer and transport, handed to Warehouse as a DatabaseLoginProvider.
        .target(name: "IAMLogin", dependencies: ["Digest", "ObjectStore", "Warehouse"]),
        .target(
            name: "Stevedore",
            dependencies: [
                "Blocking", "Digest", "Frames", "IAMLogin", "ObjectStore", "Warehouse",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Scheduler",
            dependencies: [
                "Blocking", "Stevedore", "Frames", "ObjectStore", "Warehouse",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The scheduler service's /healthz, /metrics and HTML status page.
        .target(
            name: "StatusServer",
            dependencies: [
                "Scheduler", .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "StevedoreCLI",
            dependencies: [
                "Blocking", "Stevedore", "Scheduler", "StatusServer", "Frames", "Digest", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // Benchmarks, not tests: scripts/bench-frames and scripts/bench-objectstore build them in release mode.
        .executableTarget(name: "FramesBench", dependencies: ["Frames"], path: "Benchmarks/FramesBench"),
        .executableTarget(name: "ObjectStoreBench", dependencies: ["ObjectStore"], path: "Benchmarks/ObjectStoreBench"),
        .executableTarget(
            name: "LoadBench", dependencies: ["Stevedore", "Frames", "ObjectStore"], path: "Benchmarks/LoadBench"),

        // What several test targets share: seeded randomness, the reliability suites' case plan, the fault proxy.
        .target(name: "TestSupport", dependencies: ["Blocking", "Warehouse"], path: "Tests/TestSupport"),
        .testTarget(name: "BlockingTests", dependencies: ["Blocking"]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "FramesTests", dependencies: ["Blocking", "Frames", "Warehouse", "TestSupport"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "Digest", "TestSupport"]),
        .testTarget(
            name: "WarehouseTests",
            dependencies: [
                "Warehouse", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]),
        .testTarget(
            name: "IAMLoginTests", dependencies: ["Blocking", "IAMLogin", "ObjectStore", "Warehouse", "TestSupport"]),
        .testTarget(
            name: "StevedoreTests",
            dependencies: ["Blocking", "Stevedore", "Frames", "ObjectStore", "Warehouse", "TestSupport"]),
        .testTarget(
            name: "SchedulerTests",
            dependencies: [
                "Scheduler", "Stevedore", "Frames", "ObjectStore", "Warehouse", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "StatusServerTests",
            dependencies: [
                "StatusServer", "Scheduler", .product(name: "Logging", package: "swift-log"),
            ]),
        // Runs the built binary; the dependency makes `swift build --build-tests` build it first.
        .testTarget(
            name: "CLITests", dependencies: ["Blocking", "StevedoreCLI", "Frames", "ObjectStore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
