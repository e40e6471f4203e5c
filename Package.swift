// swift-tools-version: 6.2
// driftwatch: zero package dependencies by design (design.md § Dependencies).
// The only system dependency is SQLite, linked through the CSQLite system library.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "driftwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "driftwatch", targets: ["driftwatch"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // Pure: events, decoding, statistics, baselines, detectors, breakers. No clock, no I/O.
        .target(name: "DriftwatchCore", swiftSettings: strict),
        .target(name: "DriftwatchStore", dependencies: ["CSQLite", "DriftwatchCore"], swiftSettings: strict),
        // HTTP/1.1 over POSIX sockets; knows nothing of agents.
        .target(name: "DriftwatchHTTP", swiftSettings: strict),
        .target(name: "DriftwatchApp", dependencies: ["DriftwatchCore", "DriftwatchStore", "DriftwatchHTTP"],
                swiftSettings: strict),
        .executableTarget(name: "driftwatch", dependencies: ["DriftwatchApp", "DriftwatchCore"], swiftSettings: strict),
        .executableTarget(name: "DriftwatchBench", dependencies: ["DriftwatchCore", "DriftwatchStore", "DriftwatchApp",
                                                                 "DriftwatchHTTP"],
                          path: "Benchmarks/DriftwatchBench", swiftSettings: strict),
        .testTarget(name: "DriftwatchCoreTests", dependencies: ["DriftwatchCore"], swiftSettings: strict),
        .testTarget(name: "DriftwatchStoreTests", dependencies: ["DriftwatchStore", "DriftwatchCore"], swiftSettings: strict),
        // Fixtures/ holds compressed vectors read by path (#filePath) and the script that makes them.
        .testTarget(name: "DriftwatchHTTPTests", dependencies: ["DriftwatchHTTP"], exclude: ["Fixtures"],
                    swiftSettings: strict),
        .testTarget(name: "DriftwatchAppTests", dependencies: ["DriftwatchApp", "DriftwatchCore"], swiftSettings: strict),
    ]
)
