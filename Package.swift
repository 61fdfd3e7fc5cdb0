// swift-tools-version: 6.2
import PackageDescription

/// One set of compiler settings for every target.
let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
  name: "detkit",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "detkit", targets: ["detkit"]),
    .library(name: "DetGeometry", targets: ["DetGeometry"]),
    .library(name: "DetMatching", targets: ["DetMatching"]),
    .library(name: "DetLoss", targets: ["DetLoss"]),
    .library(name: "DetTensorIO", targets: ["DetTensorIO"]),
    .library(name: "DetStore", targets: ["DetStore"]),
    .library(name: "DetPipeline", targets: ["DetPipeline"]),
    .library(name: "DetEval", targets: ["DetEval"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // MARK: - System libraries
    .systemLibrary(
      name: "CSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),

    // MARK: - Libraries
    // DetSupport is the bottom: mapped and atomic files, C-call errors, chunked parallelism,
    // the streaming JSON scanner. It depends on nothing but the system.
    .target(name: "DetSupport", swiftSettings: swiftSettings),
    // The innermost loops compiled per instruction set and chosen at run time (KernelVariant).
    .target(name: "CDetKernels"),
    .target(
      name: "DetGeometry", dependencies: ["CDetKernels", "DetSupport"],
      swiftSettings: swiftSettings),
    .target(
      name: "DetMatching", dependencies: ["DetGeometry", "DetSupport"],
      swiftSettings: swiftSettings),
    .target(
      name: "DetLoss", dependencies: ["CDetKernels", "DetGeometry", "DetMatching", "DetSupport"],
      swiftSettings: swiftSettings),
    .target(name: "DetTensorIO", dependencies: ["DetSupport"], swiftSettings: swiftSettings),
    .target(
      name: "DetStore", dependencies: ["CSQLite", "DetGeometry", "DetSupport"],
      swiftSettings: swiftSettings),
    .target(name: "DetEval", dependencies: ["DetSupport"], swiftSettings: swiftSettings),
    .target(
      name: "DetPipeline",
      dependencies: [
        "DetSupport", "DetGeometry", "DetMatching", "DetLoss", "DetTensorIO", "DetStore",
        "DetEval",
      ],
      swiftSettings: swiftSettings),

    // MARK: - Command-line tool
    .executableTarget(
      name: "detkit",
      dependencies: [
        "DetSupport", "DetGeometry", "DetMatching", "DetLoss", "DetTensorIO", "DetStore",
        "DetPipeline", "DetEval",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings
    ),

    // MARK: - Fuzzing
    // One harness per reader, each an `LLVMFuzzerTestOneInput`. Built by tools/fuzz.sh with
    // `-sanitize=fuzzer,address -DFUZZING`, its entry hands over to libFuzzer's driver; in a
    // normal build its `@main` replays inputs and runs seeded mutations (FuzzSupport).
    .target(name: "CFuzzer"),
    .target(
      name: "FuzzSupport", dependencies: ["CFuzzer", "DetGeometry"], swiftSettings: swiftSettings),
    .target(
      name: "FuzzStoreSupport", dependencies: ["DetStore", "FuzzSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzNPY", dependencies: ["DetTensorIO", "FuzzSupport"], swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzSafetensors", dependencies: ["DetTensorIO", "FuzzSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzCOCO", dependencies: ["DetStore", "FuzzSupport", "FuzzStoreSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzVOC", dependencies: ["DetStore", "FuzzSupport", "FuzzStoreSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzYOLO", dependencies: ["DetStore", "FuzzSupport", "FuzzStoreSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzYOLONames", dependencies: ["DetStore", "FuzzSupport", "FuzzStoreSupport"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "FuzzImageHeader", dependencies: ["DetStore", "FuzzSupport"],
      swiftSettings: swiftSettings),

    // MARK: - Tests
    // Support shared by the test targets (the one temporary folder of a test process, the
    // seeded generator).
    .target(name: "DetTestSupport", path: "Tests/DetTestSupport", swiftSettings: swiftSettings),
    .testTarget(
      name: "DetSupportTests",
      // DetGeometry only for the property tests' seeded generator (SyntheticBoxes.SplitMix64).
      dependencies: ["DetSupport", "DetGeometry"], swiftSettings: swiftSettings),
    .testTarget(
      name: "DetGeometryTests", dependencies: ["DetGeometry"], swiftSettings: swiftSettings),
    .testTarget(
      name: "DetMatchingTests", dependencies: ["DetMatching", "DetGeometry"],
      swiftSettings: swiftSettings),
    .testTarget(
      // CDetKernels for the fused multiply-add of each kernel variant against fmaf.
      name: "DetLossTests", dependencies: ["DetLoss", "DetGeometry", "DetMatching", "CDetKernels"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "DetTensorIOTests", dependencies: ["DetTensorIO", "DetGeometry", "DetTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "DetStoreTests",
      dependencies: ["DetStore", "DetGeometry", "DetSupport", "DetTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      // DetGeometry only for the property tests' seeded generator (SyntheticBoxes.SplitMix64).
      name: "DetEvalTests", dependencies: ["DetEval", "DetGeometry"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "DetPipelineTests",
      dependencies: [
        "DetPipeline", "DetStore", "DetGeometry", "DetMatching", "DetLoss", "DetTensorIO",
        "DetTestSupport",
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "DetkitCLITests",
      dependencies: ["detkit", "DetStore", "DetGeometry", "DetSupport", "DetTestSupport"],
      swiftSettings: swiftSettings),
  ]
)
