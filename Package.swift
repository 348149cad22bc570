// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "AWDLSTM",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "AWDLSTM", targets: ["AWDLSTM"]),
        .executable(name: "awd-lstm", targets: ["awd-lstm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // Accelerate's CBLAS on macOS. On Linux OpenBLAS (Debian `libopenblas0`) is
        // opened at run time, after its core is chosen (Tensor/BLASLibrary.swift).
        .systemLibrary(
            name: "CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Fused element-wise kernels (LSTM cell, softmax cross-entropy), vectorised per CPU.
        .target(name: "CKernels"),
        // Open MPI, opened with dlopen only in processes that mpirun starts, so
        // that neither the build nor a single process needs an MPI library.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(
            name: "AWDLSTM",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.macOS])), "CKernels", "CMPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            linkerSettings: [
                .linkedLibrary("dl", .when(platforms: [.linux])),
                .linkedFramework("Accelerate", .when(platforms: [.macOS])),
            ]
        ),
        // The HTTP service (`awd-lstm serve`), apart so that the AWDLSTM library
        // product does not depend on a server library.
        .target(
            name: "AWDLSTMServer",
            dependencies: [
                "AWDLSTM",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "awd-lstm",
            dependencies: [
                "AWDLSTM",
                "AWDLSTMServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer targets for the file readers (`make fuzz`). A plain build makes
        // them replay inputs given on the command line; with `-sanitize=fuzzer`
        // FuzzDriver hands control to libFuzzer.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzSafeTensors", dependencies: ["AWDLSTM", "FuzzDriver"]),
        .executableTarget(name: "FuzzCorpus", dependencies: ["AWDLSTM", "FuzzDriver"]),
        // Examples/LibraryClient's program, built here as well so that the test
        // suite checks it against the public API without building every
        // dependency a second time in a package of its own.
        .executableTarget(
            name: "LibraryClient",
            dependencies: ["AWDLSTM"],
            path: "Examples/LibraryClient/Sources/client"
        ),
        .testTarget(
            name: "AWDLSTMTests",
            dependencies: ["AWDLSTM", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
