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
        .executable(name: "rrfweb", targets: ["rrfweb"]),
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
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
                "RRFStore", "RRFWorkflow", "JobQueue", "Notifications", "Postgres",
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
        // The portal: routes over FundStore, mustache templates, the message catalogues and the stylesheet as files.
        .target(
            name: "RRFWeb",
            dependencies: [
                "RRFStore", "Postgres", "RRFWorkflow",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Templates"), .copy("Messages"), .copy("Static")],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "rrfweb",
            dependencies: [
                "RRFWeb", "RRFStore", "Postgres", "RRFWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: sharedSettings
        ),
        // The benchmarks' headline figures, for the one table `.ci/bench` prints.
        .target(name: "BenchSummary", swiftSettings: sharedSettings),
        // `swift run -c release rrfbench`: job-queue throughput and wake-up latency on a throwaway PostgreSQL;
        // `rrfbench audit`: audit verify's events/s beside the same chain check as one SQL query.
        .executableTarget(
            name: "rrfbench",
            dependencies: ["BenchSummary", "JobQueue", "Postgres", "RRFStore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: sharedSettings
        ),
        // `swift run -c release rrfwebbench`: rrfweb under wrk on a fund of 100,000 proposals, beside a "hello" ceiling.
        .executableTarget(
            name: "rrfwebbench",
            dependencies: [
                "BenchSummary", "RRFWeb", "RRFStore", "Postgres", "RRFWorkflow", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
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
        .testTarget(
            name: "RRFWebTests",
            dependencies: [
                "RRFWeb", "RRFStore", "RRFWorkflow", "RRFTestSupport", "Postgres",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            // The python page and browser checks are run from their folder (#filePath), not bundled.
            exclude: ["Tools"],
            swiftSettings: sharedSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
