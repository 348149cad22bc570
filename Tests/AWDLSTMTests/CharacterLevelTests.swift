import Foundation
import XCTest
@testable import AWDLSTM

/// `prepare enwik8` against the authors' `prep_enwik8.py` (fixture from
/// `scripts/reference/make_enwik8_fixture.py`), how a corpus is recognised as
/// character-level, and the authors' character-level recipes through the command line.
final class CharacterLevelTests: XCTestCase {
    static let fixture = Fixtures.folder.appendingPathComponent("enwik8")

    /// A small zip of the real layout, split with 600 held-out bytes: the text files are
    /// byte for byte what the authors' script writes, the raw files are the split bytes.
    func prepared(_ dir: TemporaryFolder) throws -> URL {
        let out = dir.url.appendingPathComponent("enwik8")
        let r = try CLI.run(["prepare", "enwik8", "--from", Self.fixture.appendingPathComponent("enwik8.zip").path,
                             "--to", out.path, "--held-out-bytes", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func testPrepareEnwik8MatchesTheAuthorsFiles() throws {
        let dir = try TemporaryFolder()
        let out = try prepared(dir)
        var raw = Data()
        for (split, bytes) in [("train", 2800), ("valid", 600), ("test", 600)] {
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("\(split).txt")),
                           try Data(contentsOf: Self.fixture.appendingPathComponent("\(split).txt")), split)
            let part = try Data(contentsOf: out.appendingPathComponent("\(split).txt.raw"))
            XCTAssertEqual(part.count, bytes, split)
            raw += part
        }
        // Each byte is one token; each newline byte becomes the <eos> of its line.
        let corpus = try Corpus(folder: out)
        let train = raw.prefix(2800)
        XCTAssertEqual(corpus.train.count, train.count + (train.last == 10 ? 0 : 1))
        XCTAssertTrue(corpus.vocabulary.isCharacterLevel)
        XCTAssertTrue(corpus.vocabulary.words.contains("195"), "UTF-8 lead bytes are tokens of their own")
    }

    func testPrepareRejectsBadInput() throws {
        let dir = try TemporaryFolder()
        let zip = Self.fixture.appendingPathComponent("enwik8.zip").path
        let small = try CLI.run(["prepare", "enwik8", "--from", zip, "--to", dir.url.appendingPathComponent("a").path])
        XCTAssertEqual(small.status, 1)
        XCTAssertTrue(small.stderr.contains("enwik8 has 4000 bytes; the split needs more than 2 × 5000000"), small.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("a").path))
        let missing = try CLI.run(["prepare", "enwik8", "--from", dir.url.appendingPathComponent("none.zip").path,
                                   "--to", dir.url.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none.zip: no such file"), missing.stderr)
        let other = try CLI.run(["prepare", "text8", "--from", zip, "--to", dir.url.path])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("unknown corpus 'text8'"), other.stderr)
    }

    func testCharacterLevelRecognition() throws {
        func vocabulary(_ words: [String]) throws -> Vocabulary { try Vocabulary(words: words) }
        XCTAssertTrue(try vocabulary(["a", "e", "r", "_", "<eos>", "é"]).isCharacterLevel, "PTB characters")
        XCTAssertTrue(try vocabulary(["60", "109", "<eos>", "0", "255"]).isCharacterLevel, "enwik8 bytes")
        XCTAssertFalse(try vocabulary(["the", "a", "<eos>"]).isCharacterLevel, "words")
        XCTAssertFalse(try vocabulary(["60", "256", "<eos>"]).isCharacterLevel, "not bytes")
        XCTAssertFalse(try vocabulary(["60", "a", "<eos>"]).isCharacterLevel, "mixed")
        XCTAssertFalse(try vocabulary(["<eos>", "<unk>"]).isCharacterLevel, "nothing but markers")
    }

    /// The authors' PTB-character and enwik8 commands, flags as written (Adam, `--when`,
    /// bptt 150 / 200, batch 128), for one batch with small layers, on the prepared
    /// bytes; with `--model QRNN` too. The run folder records the model and bpc is reported.
    func testAuthorsCharacterRecipesRun() throws {
        let dir = try TemporaryFolder()
        let data = try prepared(dir)
        let ptbChar = "--epochs 500 --nlayers 3 --emsize 200 --nhid 1000 --alpha 0 --beta 0 --dropoute 0 --dropouth 0.25 --dropouti 0.1 --dropout 0.1 --wdrop 0.5 --wdecay 1.2e-6 --bptt 150 --batch-size 128 --optimizer adam --lr 2e-3 --when 300 400"
        let enwik8 = "--epochs 50 --nlayers 3 --emsize 400 --nhid 1840 --alpha 0 --beta 0 --dropoute 0 --dropouth 0.1 --dropouti 0.1 --dropout 0.4 --wdrop 0.2 --wdecay 1.2e-6 --bptt 200 --batch-size 128 --optimizer adam --lr 1e-3 --when 25 35"
        for (k, (recipe, model)) in [(ptbChar, "LSTM"), (enwik8, "LSTM"), (ptbChar, "QRNN")].enumerated() {
            let save = dir.url.appendingPathComponent("run\(k)")
            // Later flags win: small layers and one batch of the epoch.
            let args = ["train", "--data", data.path, "--save", save.path, "--model", model]
                + recipe.split(separator: " ").map(String.init)
                + ["--emsize", "8", "--nhid", "16", "--epochs", "1", "--max-batches", "1", "--json"]
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("Character-level corpus"), r.stderr)
            XCTAssertTrue(r.stderr.contains("valid bpc"), r.stderr)
            let config = try RunFolder(save).readConfig()
            XCTAssertEqual(config.model.model.rawValue, model)
            XCTAssertEqual(config.training.optimizer, .adam)
            XCTAssertEqual(config.training.batchSize, 128)
            let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let test = summary?["test"] as? [String: Any]
            XCTAssertNotNil(test?["bpc"] as? Double, r.stdout)
            let svg = try String(contentsOf: save.appendingPathComponent("training_curves.svg"), encoding: .utf8)
            XCTAssertTrue(svg.contains("validation bpc"), "the plot of a character corpus is in bpc")
        }
    }

    /// A `config.json` written before `model` existed is an LSTM's.
    func testConfigWithoutModelIsLSTM() throws {
        var config = RunConfig(model: ModelConfig(vocabSize: 5, model: .qrnn), training: TrainingOptions(), data: "d")
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        XCTAssertEqual(object["model"] as? String, "QRNN")
        object.removeValue(forKey: "model")
        config = try JSONDecoder().decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(config.model.model, .lstm)
    }
}
