import Foundation
import XCTest
@testable import AWDLSTM

/// `Examples/LibraryClient`, a program that uses the library through its
/// public API only, trains, evaluates and samples. The root package builds its
/// sources as the `LibraryClient` executable (a plain `import AWDLSTM` from
/// another module sees the public API only), so the suite builds every
/// dependency once; the example's own manifest is checked to stay a package
/// that depends on the `AWDLSTM` product.
final class ClientPackageTests: XCTestCase {
    func testClientManifestDependsOnTheLibraryProduct() throws {
        guard let swift = CLI.onPath("swift") else { throw XCTSkip("swift is not on PATH") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // dump-package evaluates the manifest without resolving or building.
        let dump = try CLI.run(["package", "--package-path", root.appendingPathComponent("Examples/LibraryClient").path, "dump-package"],
                               timeout: 300, executable: URL(fileURLWithPath: swift))
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let targets = try XCTUnwrap(manifest["targets"] as? [[String: Any]])
        let client = try XCTUnwrap(targets.first { $0["name"] as? String == "client" }, dump.stdout)
        XCTAssertEqual(client["type"] as? String, "executable")
        XCTAssertTrue("\(client["dependencies"] ?? "")".contains("AWDLSTM"), dump.stdout)
    }

    func testLibraryClientTrainsEvaluatesAndSamples() throws {
        let client = CLI.binary.deletingLastPathComponent().appendingPathComponent("LibraryClient")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: client.path), "\(client.path) was not built")
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let corpus = try Corpus(folder: data)
        let r = try CLI.run([data.path], executable: client)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("epoch 1: validation perplexity "), r.stdout)

        let lines = r.stdout.split(separator: "\n").map(String.init)
        let evaluation = try XCTUnwrap(lines.first { $0.hasPrefix("evaluation: ") }, r.stdout)
        let numbers = evaluation.split(whereSeparator: { " ,".contains($0) }).compactMap { Double($0) }
        XCTAssertEqual(numbers.count, 3, evaluation)
        XCTAssertTrue(numbers.prefix(2).allSatisfy { $0.isFinite && $0 > 0 }, evaluation)
        XCTAssertEqual(numbers.last, Double(corpus.test.count), evaluation)

        // 20 sampled words of the vocabulary.
        let sample = try XCTUnwrap(lines.first { $0.hasPrefix("sample: ") }, r.stdout)
        let words = sample.dropFirst("sample: ".count).split(separator: " ").map(String.init)
        XCTAssertEqual(words.count, 20, sample)
        XCTAssertTrue(words.allSatisfy { corpus.vocabulary.id($0) != nil }, sample)
    }

    /// The DocC article "Train, evaluate, sample" shows the client's code: every
    /// line of its Swift blocks is a line of the client (which the test above compiles).
    func testArticleShowsTheClientsCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/AWDLSTM/AWDLSTM.docc/TrainEvaluateSample.md"), encoding: .utf8)
        let client = try String(contentsOf: root.appendingPathComponent("Examples/LibraryClient/Sources/client/main.swift"), encoding: .utf8)
        let clientLines = Set(client.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let code = blocks.flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }
        XCTAssertGreaterThan(code.count, 10)
        for line in code { XCTAssertTrue(clientLines.contains(line), "the article's line is not in the client: \(line)") }
    }
}
