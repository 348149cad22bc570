import Foundation
import XCTest
@testable import AWDLSTM

/// `Examples/LibraryClient`, a separate package that uses the library through
/// its public API only, builds and trains, evaluates and samples.
final class ClientPackageTests: XCTestCase {
    func testLibraryClientTrainsEvaluatesAndSamples() throws {
        guard let swift = CLI.onPath("swift") else { throw XCTSkip("swift is not on PATH") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // A scratch folder inside .build keeps the client's build out of the tree
        // and lets the next run build incrementally.
        let scratch = root.appendingPathComponent(".build/client")
        // SwiftPM keeps the plan of a path dependency's files from the last build
        // and fails on one that was moved since ("missing inputs"): without the
        // plan it plans again, and still compiles only what changed.
        let triples = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
        for plan in ["release.yaml"] + triples.map({ "\($0)/release/description.json" }) {
            try? FileManager.default.removeItem(at: scratch.appendingPathComponent(plan))
        }
        let build = try CLI.run(["build", "-c", "release", "--package-path", root.appendingPathComponent("Examples/LibraryClient").path,
                                 "--scratch-path", scratch.path],
                                timeout: 1800, executable: URL(fileURLWithPath: swift))
        XCTAssertEqual(build.status, 0, build.stdout + build.stderr)
        guard build.status == 0 else { return }

        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let corpus = try Corpus(folder: data)
        let r = try CLI.run([data.path], executable: scratch.appendingPathComponent("release/client"))
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
