import Foundation
import XCTest
@testable import AWDLSTM

/// fastai v2 word lists as fastai writes them: padded to a multiple of 8 with
/// repeated `xxfake`, unknown words read as `xxunk`.
final class FastaiVocabularyTests: XCTestCase {
    static let itos = ["xxunk", "xxpad", "xxbos", "xxeos", "xxfld", "xxrep", "xxwrep", "xxup", "xxmaj",
                       "the", "<unk>", "cat", "sat", "xxfake", "xxfake", "xxfake"]

    func testPaddedWordListLoadsWithLineNumbersAsIds() throws {
        let tmp = try TemporaryFolder()
        let file = try tmp.write("vocab.txt", Self.itos.joined(separator: "\n") + "\n")
        let vocabulary = try Vocabulary.read(from: file)
        XCTAssertEqual(vocabulary.count, 16)
        XCTAssertEqual(vocabulary.words, Self.itos)
        XCTAssertEqual(vocabulary.id("xxfake"), 13)
        XCTAssertEqual(vocabulary.id("sat"), 12)
        // Written back as read.
        XCTAssertEqual(vocabulary.fileText(), Self.itos.joined(separator: "\n") + "\n")
        // Any other word listed twice is still refused.
        XCTAssertThrowsError(try Vocabulary(words: ["a", "b", "a"])) {
            XCTAssertEqual($0 as? CorpusError, .duplicateWord(word: "a", source: nil))
        }
    }

    /// Unknown words become `xxunk`, also where the list holds PTB's literal `<unk>`
    /// as a word (fastai's `Numericalize` maps every unknown word to `xxunk`).
    func testUnknownWordsBecomeXxunk() throws {
        let vocabulary = try Vocabulary(words: Self.itos)
        XCTAssertEqual(vocabulary.unknownWord, "xxunk")
        let (ids, unknown) = try Corpus.tokenize(Data("the dog sat\nxxfake cat\n".utf8), source: "t", mappingUnknownWordsOf: vocabulary)
        XCTAssertEqual(ids, [2, 9, 0, 12, 2, 13, 11])
        XCTAssertEqual(unknown, 1)
        // A word after a repeated xxfake keeps its line number as id.
        let middle = try Vocabulary(words: ["xxunk", "xxbos", "xxfake", "xxfake", "late"])
        XCTAssertEqual(middle.id("late"), 4)
        XCTAssertEqual(try Corpus.tokenize(Data("late xxfake\n".utf8), source: "t", mappingUnknownWordsOf: middle).ids, [1, 4, 2])
    }

    /// `import --format fastai` takes such a list, records fastai's tokenizer, and
    /// the imported model scores raw text through it.
    func testImportTakesAPaddedList() throws {
        let tmp = try TemporaryFolder()
        let run = tmp.url.appendingPathComponent("R")
        let words = try String(contentsOf: ImportCommandTests.itos, encoding: .utf8).split(separator: "\n").map(String.init)
        // Pad as fastai does: the fixture's model has as many rows as words, so
        // replace its last words by xxfake (ids unchanged), keeping the count.
        var padded = words
        for i in (words.count - 2)..<words.count { padded[i] = "xxfake" }
        let list = try tmp.write("itos.txt", padded.joined(separator: "\n") + "\n")
        let r = try CLI.run(["import", "--from", ImportCommandTests.fastaiItos.path, "--format", "fastai",
                             "--vocab", list.path, "--save", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try RunFolder(run).readVocabulary().words, padded)
        // The folder records fastai's tokenizer, and raw text goes through it.
        XCTAssertEqual(try RunFolder(run).readConfig().tokenizer, .fastai)
        let model = try LanguageModel(runFolder: run)
        let score = try model.score("The zebra")
        XCTAssertEqual(score.tokens, ["xxmaj", "the", "xxunk"])
        XCTAssertEqual(score.ids.first, 8)  // xxmaj, scored from xxbos
        XCTAssertEqual(score.unknownWords, 1)
    }
}
