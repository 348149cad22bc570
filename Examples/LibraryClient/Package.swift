// swift-tools-version:6.0
// A client of the AWDLSTM library that uses its public API only. The root
// package builds the same source as its `LibraryClient` executable, and the
// test suite runs it (ClientPackageTests), so that the API a client needs stays
// public and this example keeps compiling.
import PackageDescription

let package = Package(
    name: "LibraryClient",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "AWDLSTM", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "client",
            dependencies: [.product(name: "AWDLSTM", package: "AWDLSTM")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
