import Foundation
import XCTest
@testable import AWDLSTM

/// fastai 2.8's tokenizer (its default rules, then spaCy 3.8's English
/// tokenizer) against `Tests/Fixtures/fastai_tokenizer.json`, written by
/// `scripts/reference/make_tokenizer_fixtures.py` with fastai and spaCy.
final class FastaiTokenizerTests: XCTestCase {
    struct Fixture: Decodable {
        struct RuleCase: Decodable { let rule, input, output: String }
        struct Document: Decodable { let text: String; let tokens: [String] }
        let fastai, spacy: String
        let rules: [RuleCase]
        let documents: [Document]
    }

    static let fixture: Fixture = {
        let data = try! Data(contentsOf: Fixtures.url("fastai_tokenizer.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    /// Each rule on fastai's own examples of it gives fastai's output exactly.
    func testRulesMatchFastaiExamples() throws {
        let rules: [String: (String) -> String] = [
            "fix_html": FastaiRules.fixHTML, "replace_rep": FastaiRules.replaceRepetitions,
            "replace_wrep": FastaiRules.replaceWordRepetitions, "spec_add_spaces": FastaiRules.addSpacesAroundSpecialCharacters,
            "rm_useless_spaces": FastaiRules.removeUselessSpaces, "replace_all_caps": FastaiRules.replaceAllCaps,
            "replace_maj": FastaiRules.replaceMajuscule, "lowercase": FastaiRules.lowercase,
        ]
        XCTAssertEqual(Set(Self.fixture.rules.map(\.rule)), Set(rules.keys), "every default rule has examples")
        for example in Self.fixture.rules {
            let rule = try XCTUnwrap(rules[example.rule], example.rule)
            XCTAssertEqual(rule(example.input), example.output, "\(example.rule)(\(example.input.debugDescription))")
        }
    }

    /// Whole documents give fastai's tokens exactly.
    func testDocumentsMatchFastai() {
        XCTAssertGreaterThanOrEqual(Self.fixture.documents.count, 25)
        let tokenizer = FastaiTokenizer()
        for document in Self.fixture.documents {
            XCTAssertEqual(tokenizer.tokenize(document.text), document.tokens, document.text.debugDescription)
        }
    }

    /// The same documents from 8 threads at once on one tokenizer (shared cache) give the same tokens.
    func testConcurrentUseGivesTheSameTokens() {
        let tokenizer = FastaiTokenizer()
        let documents = Self.fixture.documents
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var same: [Bool] = []
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var same = true
            for document in documents.shuffled() { same = same && tokenizer.tokenize(document.text) == document.tokens }
            results.lock.lock()
            results.same.append(same)
            results.lock.unlock()
        }
        XCTAssertEqual(results.same, Array(repeating: true, count: 8))
    }

    /// spaCy's contraction exceptions, checked by name (these are in the
    /// fixture too; here they document the table).
    func testExceptionTable() {
        let table = SpacyExceptions.table
        XCTAssertEqual(table["don't"], ["do", "n't"])
        XCTAssertEqual(table["Shouldn't've"], ["Should", "n't", "'ve"])
        XCTAssertEqual(table["5pm"], ["5", "pm"])
        XCTAssertEqual(table["Mr."], ["Mr."])
        XCTAssertEqual(table["°C."], ["°", "C", "."])
        XCTAssertNil(table["ill"], "an ordinary word is no contraction")
        XCTAssertNil(table["well"])
        XCTAssertEqual(table["who've"], ["who", "'ve"])
        XCTAssertNil(table["that've"], "singular demonstratives take no 've")
    }

    /// The file reader: one document per line (`\r\n` and `\r` end lines), a
    /// byte order mark dropped, non-UTF-8 refused; the line writer escapes line breaks.
    func testDocumentsAndLines() throws {
        let docs = try FastaiTokenizer.documents(fileData: Data("\u{FEFF}a\r\nb\rc\n\nd".utf8), source: "t")
        XCTAssertEqual(docs, ["a", "b", "c", "", "d"])
        XCTAssertThrowsError(try FastaiTokenizer.documents(fileData: Data([0x61, 0xFF]), source: "t")) { error in
            XCTAssertEqual(error as? CorpusError, .notUTF8(source: "t"))
        }
        XCTAssertEqual(FastaiTokenizer.line(["xxbos", "a", "\n\u{2581}", "\t"]), "xxbos a \\n\u{2581} \\t")
        XCTAssertEqual(FastaiTokenizer().tokenize(""), ["xxbos"])
    }

    /// `awd-lstm tokenize --file`: one line of tokens per input line, as the
    /// library gives them; a missing file, a folder or non-UTF-8 text is one error line and exit 1.
    func testTokenizeCommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let documents = Self.fixture.documents.filter { !$0.text.contains("\n") && !$0.text.contains("\r") }
        let text = dir.appendingPathComponent("docs.txt")
        try Data((documents.map(\.text).joined(separator: "\n") + "\n").utf8).write(to: text)
        let result = try CLI.run(["tokenize", "--file", text.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, documents.map { FastaiTokenizer.line($0.tokens) + "\n" }.joined())

        let bad = dir.appendingPathComponent("bad.txt")
        try Data([0x61, 0xFF, 0x0A]).write(to: bad)
        for (path, message) in [(dir.appendingPathComponent("missing.txt").path, "no such file"),
                                (dir.path, "is a folder"), (bad.path, "not valid UTF-8")] {
            let refused = try CLI.run(["tokenize", "--file", path])
            XCTAssertEqual(refused.status, 1, path)
            XCTAssertEqual(refused.stdout, "")
            XCTAssertTrue(refused.stderr.hasPrefix("awd-lstm: error: ") && refused.stderr.contains(message), refused.stderr)
            XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        }
    }
}

/// `train --tokenizer`: a run records the tokenizer its corpus was made with,
/// and the commands that take raw text read it that way.
final class TrainTokenizerTests: XCTestCase {
    func testTrainRecordsTheTokenizerAndResumeKeepsIt() throws {
        let dir = try TemporaryFolder()
        // A corpus as `awd-lstm tokenize` writes it: each line one document from xxbos.
        let tokenizer = FastaiTokenizer()
        let sentences = ["The cat sat on the mat.", "A dog didn't run!", "The mat was RED, the cat wasn't."]
        let lines = (0..<120).map { FastaiTokenizer.line(tokenizer.tokenize(sentences[$0 % sentences.count])) }
        for split in ["train", "valid", "test"] {
            _ = try dir.write("data/\(split).txt", lines.prefix(split == "train" ? 120 : 30).joined(separator: "\n") + "\n")
        }
        let data = dir.url.appendingPathComponent("data").path, run = dir.url.appendingPathComponent("run").path
        let tiny = ["--emsize", "8", "--nhid", "8", "--batch-size", "2", "--bptt", "8", "--epochs", "1", "--max-batches", "2"]
        let trained = try CLI.run(["train", "--data", data, "--save", run, "--tokenizer", "fastai", "--no-test"] + tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/config.json"))) as? [String: Any]
        XCTAssertEqual(config?["tokenizer"] as? String, "fastai")

        // Raw text is read by the recorded tokenizer: "The" and "didn't" become the corpus's
        // xxmaj the, did n't (split on whitespace they are outside the vocabulary, which has no unknown token).
        let text = try dir.write("raw.txt", "The dog didn't run.\n")
        let scored = try CLI.run(["evaluate", "--checkpoint", run, "--file", text.path, "--json"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertFalse(scored.stderr.contains("outside the vocabulary"), scored.stderr)

        let refused = try CLI.run(["train", "--resume", run, "--data", data, "--tokenizer", "none"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--tokenizer none: the run's corpus was made with fastai"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
    }
}
