// swift-tools-version:6.2
import PackageDescription

/// Settings every RRF target shares: Swift 6 language mode comes from `swiftLanguageModes` below.
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "RRF",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rrfctl", targets: ["rrfctl"]),
        .executable(name: "rrfd", targets: ["rrfd"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "JobQueue", targets: ["JobQueue"]),
        .library(name: "Notifications", targets: ["Notifications"]),
        .library(name: "RRFWorkflow", targets: ["RRFWorkflow"]),
        .library(name: "RRFStore", targets: ["RRFStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ"],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "RRFWorkflow",
            swiftSettings: sharedSettings
        ),
        .target(
            name: "JobQueue",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: sharedSettings
        ),
        // The notification outbox (e-mail, webhooks, a file sink) and its `notify` jobs, on top of the generic queue.
        .target(
            name: "Notifications",
            dependencies: ["JobQueue", "Postgres", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "RRFStore",
            dependencies: [
                "Postgres", "RRFWorkflow", "JobQueue", "Notifications",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "rrfd",
            dependencies: [
                "RRFStore", "JobQueue", "Notifications", "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "rrfctl",
            dependencies: [
                "RRFStore", "JobQueue", "Postgres", "RRFWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: sharedSettings
        ),
        // `swift run -c release rrfbench`: job-queue throughput and wake-up latency on a throwaway PostgreSQL.
        .executableTarget(
            name: "rrfbench",
            dependencies: ["JobQueue", "Postgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: sharedSettings
        ),
        // Test helpers shared by the test targets: a throwaway cluster per test process, a fresh database per test.
        .target(
            name: "RRFTestSupport",
            dependencies: ["Postgres", "RRFStore", "JobQueue"],
            path: "Tests/Support",
            swiftSettings: sharedSettings
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "RRFTestSupport"], swiftSettings: sharedSettings),
        .testTarget(name: "RRFWorkflowTests", dependencies: ["RRFWorkflow"], swiftSettings: sharedSettings),
        .testTarget(name: "RRFStoreTests", dependencies: ["RRFStore", "RRFWorkflow", "RRFTestSupport"], swiftSettings: sharedSettings),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "RRFTestSupport"], swiftSettings: sharedSettings),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "JobQueue", "RRFTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: sharedSettings
        ),
        .testTarget(name: "rrfctlTests", dependencies: ["RRFTestSupport", "RRFStore"], swiftSettings: sharedSettings),
    ],
    swiftLanguageModes: [.v6]
)
