import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// WikiText-103's side of the large-vocabulary work: the synthetic Zipf corpus,
/// the corpus pipeline on it, and the download's checksum.
final class LargeVocabularyTests: XCTestCase {
    func testZipfDistributionFollowsItsLaw() {
        let zipf = ZipfDistribution(count: 1000, exponent: 1)
        var rng = RandomSource(seed: 9)
        var counts = [Int](repeating: 0, count: 1000)
        let n = 200_000
        for _ in 0..<n { counts[zipf.sample(&rng)] += 1 }
        // P(0) = 1 / H(1000) ≈ 0.1336, P(1) = P(0) / 2, P(9) = P(0) / 10.
        let h = (1...1000).reduce(0.0) { $0 + 1 / Double($1) }
        for r in [0, 1, 9] {
            let expected = Double(n) / (h * Double(r + 1))
            XCTAssertEqual(Double(counts[r]), expected, accuracy: 5 * expected.squareRoot(), "rank \(r)")
        }
        XCTAssertEqual(zipf.cumulativeProbability(999), 1)
    }

    /// The generated corpus has every word (vocabulary = words + `<eos>`), is the
    /// same for the same seed, and loads into ids whose frequencies fall with rank.
    func testSyntheticCorpusLoads() throws {
        let tmp = try TemporaryFolder()
        var c = SyntheticCorpus()
        (c.vocabulary, c.trainWords, c.validWords, c.testWords, c.seed) = (3000, 20000, 2000, 2000, 4)
        let a = tmp.url.appendingPathComponent("a"), b = tmp.url.appendingPathComponent("b")
        try c.write(to: a)
        try c.write(to: b)
        for f in ["train.txt", "valid.txt", "test.txt"] {
            XCTAssertEqual(FileManager.default.contents(atPath: a.appendingPathComponent(f).path),
                           FileManager.default.contents(atPath: b.appendingPathComponent(f).path), f)
        }
        let corpus = try Corpus(folder: a)
        XCTAssertEqual(corpus.vocabulary.count, 3001)
        XCTAssertGreaterThanOrEqual(corpus.train.count, 20000 + 1)
        let top = corpus.vocabulary.id(String(decoding: SyntheticCorpus.word(0), as: UTF8.self))!
        let rare = corpus.vocabulary.id(String(decoding: SyntheticCorpus.word(2999), as: UTF8.self))!
        XCTAssertGreaterThan(corpus.train.filter { $0 == top }.count, 10 * corpus.train.filter { $0 == rare }.count)
        XCTAssertEqual(String(decoding: SyntheticCorpus.word(0), as: UTF8.self), "aaaa")
        XCTAssertEqual(String(decoding: SyntheticCorpus.word(27), as: UTF8.self), "aabb")
    }

    /// The archive is checked against the published MD5 before anything is unpacked.
    func testWikiText103ArchiveChecksum() throws {
        let tmp = try TemporaryFolder()
        let archive = try tmp.write("wikitext-103-v1.zip", "not the archive")
        let target = tmp.url.appendingPathComponent("wt103")
        let r = try CLI.run(["download", "wikitext-103", "--to", target.path, "--archive", archive.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("expected 9ddaacaf6af0710eda8c456decff7832"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }
}
