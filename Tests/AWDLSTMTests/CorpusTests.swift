import Foundation
import XCTest
@testable import AWDLSTM

final class CorpusTests: XCTestCase {
    func testPennTreebankCountsAndIds() throws {
        let corpus = try Corpus(folder: SharedData.folder("ptb"))
        XCTAssertEqual(corpus.vocabulary.count, 10_000)
        XCTAssertEqual([corpus.train.count, corpus.valid.count, corpus.test.count], [929_589, 73_760, 82_430])
        // Ids in order of first appearance: the first line of train is "aer banknote berlitz ...".
        XCTAssertEqual(Array(corpus.vocabulary.words.prefix(3)), ["aer", "banknote", "berlitz"])
        XCTAssertEqual(Array(corpus.train.prefix(3)), [0, 1, 2])
        XCTAssertEqual(corpus.vocabulary.id("<eos>").map { corpus.train.firstIndex(of: $0)! }, 24)
    }

    func testWikiText2Counts() throws {
        let corpus = try Corpus(folder: SharedData.folder("wikitext-2"))
        XCTAssertEqual(corpus.vocabulary.count, 33_278)
        XCTAssertEqual([corpus.train.count, corpus.valid.count, corpus.test.count], [2_088_628, 217_646, 245_569])
        XCTAssertEqual(corpus.vocabulary.words.first, "<eos>")  // the file starts with an empty line
    }

    func testCharacterCorpusLoads() throws {
        let corpus = try Corpus(folder: SharedData.folder("ptb-char"))
        XCTAssertEqual(corpus.vocabulary.count, 50)
    }

    func testTokenisationFollowsPythonRules() throws {
        let dir = try TemporaryFolder()
        _ = try dir.write("train.txt", "a b\r\nc\rd\t e\u{A0}f\n\n  g")   // \r\n, \r, tab, NBSP, empty line, no final newline
        _ = try dir.write("valid.txt", "a z\n")
        _ = try dir.write("test.txt", "y\n")
        let corpus = try Corpus(folder: dir.url)
        let words = corpus.vocabulary.words
        XCTAssertEqual(words, ["a", "b", "<eos>", "c", "d", "e", "f", "g", "z", "y"])
        let text = corpus.train.map { words[Int($0)] }
        XCTAssertEqual(text, ["a", "b", "<eos>", "c", "<eos>", "d", "e", "f", "<eos>", "<eos>", "g", "<eos>"])
        XCTAssertEqual(corpus.valid.map { words[Int($0)] }, ["a", "z", "<eos>"])
    }

    func testWikiTextFileNamesAndErrors() throws {
        let dir = try TemporaryFolder()
        XCTAssertThrowsError(try Corpus(folder: dir.url)) { XCTAssertTrue("\($0)".contains("expected train.txt")) }
        for s in ["train", "valid", "test"] { _ = try dir.write("wiki.\(s).tokens", "x y\n") }
        XCTAssertEqual(try Corpus(folder: dir.url).train.count, 3)
        XCTAssertThrowsError(try Corpus(folder: dir.url.appendingPathComponent("nope"))) {
            XCTAssertTrue("\($0)".contains("no such data folder"))
        }
        let bad = try TemporaryFolder()
        _ = try bad.write("train.txt", "ok\n")
        try Data([0x61, 0xFF, 0x0A]).write(to: bad.url.appendingPathComponent("valid.txt"))
        _ = try bad.write("test.txt", "")
        XCTAssertThrowsError(try Corpus(folder: bad.url)) { XCTAssertTrue("\($0)".contains("valid.txt: not valid UTF-8")) }
    }

    func testFrozenVocabularyRejectsUnknownWords() throws {
        let dir = try TemporaryFolder()
        for s in ["train", "valid", "test"] { _ = try dir.write("\(s).txt", "a b\n") }
        var v = Vocabulary()
        v.add("a"); v.add("<eos>")
        XCTAssertThrowsError(try Corpus(folder: dir.url, vocabulary: v)) { XCTAssertTrue("\($0)".contains("'b' is not in")) }
    }

    /// A leading byte order mark is not part of a text (Windows editors write
    /// one), but U+FEFF after it is a word's, as for Python's `str.split()`, and a
    /// vocabulary whose first word starts with it survives `vocab.txt` (found by `make fuzz`).
    func testLeadingByteOrderMarkIsDroppedOnce() throws {
        let text = Data([0xEF, 0xBB, 0xBF, 0xE1, 0x9A, 0x80, 0x0B])  // U+FEFF, U+1680 (a space), \v
        let (ids, vocabulary) = try Corpus.tokenize(text, source: "t.txt")
        XCTAssertEqual(vocabulary.words, ["<eos>"])
        XCTAssertEqual(ids, [0])
        let (twice, words) = try Corpus.tokenize(Data("\u{FEFF}\u{FEFF}x y".utf8), source: "t.txt")
        XCTAssertEqual(words.words, ["\u{FEFF}x", "y", "<eos>"])
        XCTAssertEqual(try Corpus.tokenize(Data("\u{FEFF}\u{FEFF}x y".utf8), source: "t.txt", vocabulary: words).ids, twice)
        let dir = try TemporaryFolder()
        let url = try dir.write("vocab.txt", words.fileText())
        XCTAssertEqual(try Vocabulary.read(from: url), words)
        XCTAssertThrowsError(try Vocabulary(fileData: Data([0x61, 0xFF, 0x0A]), source: "v.txt")) {
            XCTAssertEqual("\($0)", "v.txt: not valid UTF-8")
        }
    }
}

final class BatchingTests: XCTestCase {
    func testBatchifyDropsTailAndIsTimeMajor() throws {
        let b = try BatchedTokens((0..<23).map(Int32.init), batchSize: 4)
        XCTAssertEqual(b.rows, 5)
        // Row r, column c holds stream[c·rows + r].
        XCTAssertEqual(Array(b.tokens[0..<4]), [0, 5, 10, 15])
        XCTAssertEqual(Array(b.tokens[4..<8]), [1, 6, 11, 16])
        XCTAssertEqual(b.tokens.last, 19)
        XCTAssertEqual(try BatchedTokens([1, 2], batchSize: 3).rows, 0)
    }

    func testABatchSizeBelowOneThrows() {
        for b in [0, -2] {
            XCTAssertThrowsError(try BatchedTokens([1, 2, 3], batchSize: b)) {
                XCTAssertEqual($0 as? ConfigurationError, .invalid(field: "batchSize", value: "\(b)", allowed: .atLeast(1)))
            }
        }
    }

    func testWindowsAtTheEdges() throws {
        let b = try BatchedTokens((0..<40).map(Int32.init), batchSize: 2)  // 20 rows
        let w = b.window(at: 0, length: 3)
        XCTAssertEqual(w.steps, 3)
        XCTAssertEqual(w.inputs, [0, 20, 1, 21, 2, 22])
        XCTAssertEqual(w.targets, [1, 21, 2, 22, 3, 23])
        let last = b.window(at: 17, length: 70)  // only 20 − 1 − 17 = 2 steps remain
        XCTAssertEqual(last.steps, 2)
        XCTAssertEqual(last.targets, [18, 38, 19, 39])
        XCTAssertEqual(Array(b.windowStarts(bptt: 7)), [0, 7, 14])
        XCTAssertEqual(Array(b.windowStarts(bptt: 19)), [0])
    }

    func testVariableBPTTDistribution() {
        let schedule = VariableBPTT(bptt: 70)
        var rng = RandomSource(seed: 11)
        let n = 40_000
        let lengths = (0..<n).map { _ in schedule.sampleLength(&rng) }
        XCTAssertGreaterThanOrEqual(lengths.min()!, 5)
        // Mixture of N(70, 5) (95 %) and N(35, 5) (5 %), truncated toward zero: mean ≈ 68.25 − 0.5.
        let mean = Double(lengths.reduce(0, +)) / Double(n)
        XCTAssertEqual(mean, 67.75, accuracy: 0.25)
        let short = Double(lengths.filter { $0 < 52 }.count) / Double(n)
        XCTAssertEqual(short, 0.05, accuracy: 0.006)
        let nearFull = lengths.filter { $0 >= 52 }
        let sd = (nearFull.map { pow(Double($0) - 69.5, 2) }.reduce(0, +) / Double(nearFull.count)).squareRoot()
        XCTAssertEqual(sd, 5.0, accuracy: 0.2)
        XCTAssertEqual(schedule.learningRate(30, length: 35), 15)
        var r2 = RandomSource(seed: 1)
        XCTAssertTrue((0..<100).allSatisfy { _ in VariableBPTT(bptt: 70, fixed: true).sampleLength(&r2) == 70 })
        XCTAssertEqual(VariableBPTT(bptt: 2).sampleLength(&r2), 5, "lengths never go below 5")
    }
}

final class VocabularyTests: XCTestCase {
    /// Python keeps canonically equivalent spellings apart; so must the ids.
    func testEquivalentSpellingsAreDifferentWords() throws {
        let dir = try TemporaryFolder()
        _ = try dir.write("train.txt", "caf\u{E9} cafe\u{301} caf\u{E9}\n")
        _ = try dir.write("valid.txt", "cafe\u{301}\n")
        _ = try dir.write("test.txt", "caf\u{E9}\n")
        let corpus = try Corpus(folder: dir.url)
        XCTAssertEqual(corpus.vocabulary.count, 3)
        XCTAssertEqual(corpus.train, [0, 1, 0, 2])
        XCTAssertEqual(corpus.valid, [1, 2])
        let reread = try Vocabulary(fileData: Data(corpus.vocabulary.fileText().utf8), source: "vocab.txt")
        XCTAssertEqual(reread.words.map { Array($0.utf8) }, corpus.vocabulary.words.map { Array($0.utf8) })
    }
}
