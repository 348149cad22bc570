import Foundation
import XCTest
@testable import AWDLSTM

/// Asserts that `r` is a refusal: exit status 1 and exactly one line on stderr,
/// `awd-lstm: error: …`, holding every one of `fragments`.
func assertOneLineRefusal(_ r: CLI.Result, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
    XCTAssertEqual(lines.count, 1, "not one line: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stderr.hasPrefix("awd-lstm: error: "), r.stderr, file: file, line: line)
    for fragment in fragments {
        XCTAssertTrue(r.stderr.contains(fragment), "'\(r.stderr)' lacks '\(fragment)'", file: file, line: line)
    }
}

/// Command lines the argument parser refuses end like every other fault.
final class ParseErrorTests: XCTestCase {
    /// The authors' spellings are read from each command's own help screen,
    /// hidden options included: `finetune` hides `--optimizer`, yet its prefix
    /// and underscore spellings reach the command's refusal; `--save` (a second
    /// name) and `bench`'s custom long names are rewritten too.
    func testAuthorsSpellingsFromHelpScreens() throws {
        assertOneLineRefusal(try CLI.run(["finetune", "--save", "/nonexistent", "--data", "/nonexistent", "--optim", "adam"]),
                             "--optimizer adam: fine-tuning always uses averaged SGD")
        assertOneLineRefusal(try CLI.run(["finetune", "--save", "/nonexistent", "--data", "/nonexistent", "--when", "3"]),
                             "--when: fine-tuning never divides the learning rate")
        assertOneLineRefusal(try CLI.run(["bench", "--eval_batch", "0", "--steps", "1"]), "--eval-batch-size")
        assertOneLineRefusal(try CLI.run(["generate", "--outf", "a", "--out", "b", "--checkpoint", "/nonexistent"]),
                             "--outf a and --out b are two names of one option with different values")
        assertOneLineRefusal(try CLI.run(["download", "ptb", "--to", "/nonexistent/x", "--arch", "/nonexistent/a.tgz"]),
                             "/nonexistent/a.tgz")
    }

    /// Every subcommand: an unknown option, a missing value and a malformed number
    /// give one line and exit 1, with where to read the usage; --help exits 0.
    func testParseErrorsAreOneLineAndExitOne() throws {
        let numeric: [String: String] = [
            "train": "--epochs", "finetune": "--epochs", "evaluate": "--batch-size", "pointer": "--window",
            "dynamic-eval": "--bptt", "generate": "--words", "bench": "--steps", "prepare": "--held-out-bytes",
            "synth-corpus": "--words", "plot": "--out", "import": "--from", "download": "--to", "load-corpus": "--data",
        ]
        for (command, option) in numeric {
            let hint = "(see `awd-lstm \(command) --help`)"
            // The parser names a missing required option first, where there is one.
            assertOneLineRefusal(try CLI.run([command, "--no-such-option"]), hint)
            assertOneLineRefusal(try CLI.run([command, option]), "Missing value for '\(option)", hint)
            let help = try CLI.run([command, "--help"])
            XCTAssertEqual(help.status, 0, "\(command): \(help.stderr)")
            XCTAssertTrue(help.stdout.contains("USAGE: awd-lstm \(command)"), help.stdout)
        }
        for (command, option) in numeric where !["plot", "import", "download", "load-corpus"].contains(command) {
            assertOneLineRefusal(try CLI.run([command, option, "many"]), "The value 'many' is invalid for '\(option)")
        }
        for command in ["evaluate", "pointer", "dynamic-eval", "bench"] {
            assertOneLineRefusal(try CLI.run([command, "--no-such-option"]), "Unknown option '--no-such-option'")
        }
        // A missing required option and an unknown subcommand.
        assertOneLineRefusal(try CLI.run(["generate"]), "Missing expected argument '--checkpoint <checkpoint>'")
        assertOneLineRefusal(try CLI.run(["nonsense"]), "(see `awd-lstm --help`)")
        assertOneLineRefusal(try CLI.run(["--frobnicate"]), "Unknown option '--frobnicate'")
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(version.stdout.hasPrefix("awd-lstm "), version.stdout)
        XCTAssertEqual(try CLI.run(["help", "evaluate"]).status, 0)
    }
}

/// A model brought in from fastai with its own word list (xxunk, xxbos, …, no
/// `<eos>`) scores and samples text the way fastai marks it.
final class FastaiTextTests: XCTestCase {
    func testFastaiWordListScoresAndSamplesText() throws {
        let tmp = try TemporaryFolder()
        let run = tmp.url.appendingPathComponent("R")
        let imported = try CLI.run(["import", "--from", ImportCommandTests.fastaiItos.path, "--format", "fastai",
                                    "--vocab", ImportCommandTests.itos.path, "--save", run.path])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let vocabulary = try RunFolder(run).readVocabulary()
        let (bos, unk) = (try XCTUnwrap(vocabulary.id("xxbos")), try XCTUnwrap(vocabulary.id("xxunk")))
        XCTAssertEqual(vocabulary.lineBoundary, .beginningOfText(bos))
        XCTAssertEqual(vocabulary.unknownWord, "xxunk")

        // Each line is a text that starts with xxbos; 'big' and 'ran' become xxunk.
        let text = try tmp.write("my.txt", "the cat sat on the big mat\n\na dog ran\n")
        let ids = [bos] + ["the", "cat", "sat", "on", "the"].map { vocabulary.id($0)! } + [unk, vocabulary.id("mat")!]
            + [bos, vocabulary.id("a")!, vocabulary.id("dog")!, unk]
        let (model, config, _) = try RunFolder(run).loadModel()
        let expected = try Evaluator.loss(model: model, data: BatchedTokens(ids, batchSize: 1), bptt: config.training.bptt)
        let r = try CLI.run(["evaluate", "--checkpoint", run.path, "--file", text.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 of 12 tokens are outside the vocabulary and scored as xxunk"), r.stderr)
        XCTAssertTrue(r.stderr.contains("each line is one text that starts with xxbos"), r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["tokens"] as? Int, 12)
        XCTAssertEqual(try XCTUnwrap(object["loss"] as? Double), expected, accuracy: 1e-12)
        let pointer = try CLI.run(["pointer", "--checkpoint", run.path, "--file", text.path, "--window", "3", "--json"])
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
        XCTAssertTrue(pointer.stderr.contains("2 of 12 tokens are outside the vocabulary and scored as xxunk"), pointer.stderr)

        // A corpus folder of the model's words loads with the same convention, for
        // dynamic evaluation's statistics and for scoring a split.
        var rng = RandomSource(seed: 2)
        let words = ["the", "cat", "sat", "on", "mat", "a", "dog"]
        for split in ["train", "valid", "test"] {
            let lines = (0..<40).map { _ in (0..<4).map { _ in words[Int(rng.next() % 7)] }.joined(separator: " ") }
            _ = try tmp.write("D/\(split).txt", lines.joined(separator: "\n") + "\n")
        }
        let data = tmp.url.appendingPathComponent("D").path
        let dyn = try CLI.run(["dynamic-eval", "--checkpoint", run.path, "--data", data, "--file", text.path, "--batch-size", "4", "--json"])
        XCTAssertEqual(dyn.status, 0, dyn.stderr)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(dyn.stdout.utf8)) as? [String: Any])?["tokens"] as? Int, 12)
        let split = try CLI.run(["evaluate", "--checkpoint", run.path, "--data", data, "--split", "valid", "--json"])
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(split.stdout.utf8)) as? [String: Any])?["tokens"] as? Int, 200)

        // The prompt is read the same way; xxbos comes out as a line break, never as a word.
        let g = try CLI.run(["generate", "--checkpoint", run.path, "--words", "60", "--prompt", "the big dog", "--seed", "3"])
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertTrue(g.stderr.contains("prompt: 1 of 4 tokens are outside the vocabulary and read as xxunk"), g.stderr)
        XCTAssertFalse(g.stdout.contains("xxbos"), g.stdout)
        XCTAssertTrue(g.stdout.split(whereSeparator: \.isWhitespace).allSatisfy { vocabulary.id(String($0)) != nil }, g.stdout)
        XCTAssertEqual(try Generator.encode("the big dog", vocabulary: vocabulary).ids, [bos, vocabulary.id("the")!, unk, vocabulary.id("dog")!])
        XCTAssertEqual(try Generator.text([bos, 9, 10, bos, 11], vocabulary: vocabulary), "the cat\nsat\n")
    }
}

/// The authors' script flags (generate.py, pointer.py, Krause's dynamiceval.py),
/// option combinations that contradict each other or would be ignored, and run
/// folders that plot must not draw from.
final class ScriptFlagTests: XCTestCase {
    /// One run (`D`, three batches), trained once for the class and only read.
    static let trained = TrainedRun.shared(name: "R", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + FieldFaultTests.model)

    override class func tearDown() { trained.reset() }

    func json(_ r: CLI.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object, "stdout is not one JSON object: '\(r.stdout)' (stderr: \(r.stderr))", file: file, line: line)
    }

    /// generate.py's command line: --outf written atomically, --log-interval lines,
    /// --data checked against the run's words, --model against its type, --cuda ignored.
    func testGenerateTakesTheAuthorsFlags() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        // The authors' model.pt is the folder that `train --save model.pt` wrote.
        let pt = try dir.copy(shared.run, as: "model.pt")
        let outf = dir.url.appendingPathComponent("generated.txt")
        let r = try CLI.run(["generate", "--data", shared.data.path, "--model", "LSTM", "--checkpoint", pt.path, "--outf", outf.path,
                             "--words", "30", "--seed", "7", "--temperature", "0.8", "--log-interval", "10", "--cuda"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for n in [10, 20, 30] { XCTAssertTrue(r.stderr.contains("| Generated \(n)/30 words"), r.stderr) }
        XCTAssertTrue(r.stderr.contains("--cuda: ignored (this tool runs on the CPU)"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
        let stdout = try CLI.run(["generate", "--checkpoint", pt.path, "--words", "30", "--seed", "7", "--temperature", "0.8"])
        XCTAssertEqual(try String(contentsOf: outf, encoding: .utf8), stdout.stdout)
        XCTAssertEqual(try CLI.run(["generate", "--checkpoint", pt.path, "--words", "5", "--no-cuda"]).status, 0)

        let other = try smallCorpus(dir, name: "D2", words: (0..<15).map { "v\($0)" })
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", pt.path, "--data", other.path]),
                             "--data \(other.path): its vocabulary (16 words) is not the run's vocab.txt (16 words)")
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", pt.path, "--model", "QRNN"]), "--model QRNN differs from the run's LSTM")
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", pt.path, "--log-interval", "0"]), "--log-interval must be at least 1")
        let nowhere = dir.url.appendingPathComponent("no/such/generated.txt").path
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", pt.path, "--outf", nowhere]), "--out \(nowhere): folder", "does not exist")
        // A PyTorch .pt file itself is not a run folder.
        let file = try dir.write("PTB.pt", "not a folder")
        for command in [["generate"], ["plot"], ["evaluate", "--data", shared.data.path], ["pointer", "--data", shared.data.path],
                        ["dynamic-eval", "--data", shared.data.path], ["finetune", "--data", shared.data.path]] {
            assertOneLineRefusal(try CLI.run(command + ["--checkpoint", file.path]), "--checkpoint \(file.path): a file, not a run folder", "awd-lstm import")
        }
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", dir.url.appendingPathComponent("none.pt").path]), "no such run folder")
    }

    /// pointer.py's and dynamiceval.py's command lines.
    func testPointerAndDynamicEvalTakeTheAuthorsFlags() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let pt = try dir.copy(shared.run, as: "PTB.pt")
        let data = shared.data.path
        let pointer = try CLI.run(["pointer", "--data", data, "--save", pt.path, "--lambdasm", "0.1", "--theta", "1.0", "--window", "20",
                                   "--bptt", "100", "--cuda", "--json"])
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
        XCTAssertTrue(pointer.stderr.contains("| pointer test |"), pointer.stderr)

        // dynamiceval.py: --model names the run, --val the validation split, --max_batches -1 every batch.
        let krause = try CLI.run(["dynamic-eval", "--data", data, "--model", pt.path, "--val", "--lamb", "0.002", "--lr", "0.00005",
                                  "--epsilon", "0.00002", "--bptt", "5", "--batch_size", "4", "--max_batches", "-1", "--gpu", "0", "--json"])
        XCTAssertEqual(krause.status, 0, krause.stderr)
        XCTAssertTrue(krause.stderr.contains("| dynamic eval valid |"), krause.stderr)
        XCTAssertTrue(krause.stderr.contains("--gpu 0: ignored"), krause.stderr)
        let same = try CLI.run(["dynamic-eval", "--data", data, "--checkpoint", pt.path, "--split", "valid", "--batch-size", "4", "--json"])
        XCTAssertEqual(try json(same)["loss"] as? Double, try json(krause)["loss"] as? Double)
        assertOneLineRefusal(try CLI.run(["dynamic-eval", "--data", data, "--model", pt.path, "--QRNN"]), "--QRNN: the run's model is LSTM")
        for flag in ["--grid", "--gridfast", "--oldhyper"] {
            assertOneLineRefusal(try CLI.run(["dynamic-eval", "--data", data, "--model", pt.path, flag]), "\(flag) (dynamiceval.py) is not implemented")
        }
    }

    /// Options that contradict each other, or one that would be ignored beside
    /// another, are refused with one line naming both, in every command.
    func testConflictingOptionsAreRefused() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let (run, data) = (shared.run.path, shared.data.path)
        let text = try dir.write("my.txt", "w1 w2 w3\n")
        for command in [["evaluate"], ["pointer"], ["dynamic-eval", "--data", data]] {
            assertOneLineRefusal(try CLI.run(command + ["--checkpoint", run, "--split", "valid", "--file", text.path]),
                                 "--split valid and --file \(text.path) both choose the text to score")
        }
        for command in [["evaluate"], ["pointer"]] {
            assertOneLineRefusal(try CLI.run(command + ["--checkpoint", run, "--data", data, "--file", text.path]),
                                 "--data and --file \(text.path)", "drop --data")
        }
        assertOneLineRefusal(try CLI.run(["dynamic-eval", "--checkpoint", run, "--data", data, "--val", "--file", text.path]),
                             "--val and --file \(text.path) both choose the text to score")
        assertOneLineRefusal(try CLI.run(["dynamic-eval", "--checkpoint", run, "--data", data, "--val", "--split", "test"]),
                             "--split test and --val (the valid split) contradict each other")
        assertOneLineRefusal(try CLI.run(["dynamic-eval", "--checkpoint", run, "--model", run, "--data", data]),
                             "--checkpoint and --model \(run) both name the run folder")
        assertOneLineRefusal(try CLI.run(["evaluate", "--data", data]), "give the run folder with --checkpoint DIR")

        // train and finetune: a flag the other options would leave unused.
        assertOneLineRefusal(try CLI.run(["train", "--data", data, "--optimizer", "adam", "--nonmono", "3", "--save", dir.url.appendingPathComponent("A").path]),
                             "--nonmono 3 and --optimizer adam", "--nonmono would be unused")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("A").path))
        let copy = try dir.copy(shared.run, as: "R")
        for args in [["train", "--resume", copy.path], ["finetune", "--checkpoint", copy.path]] {
            assertOneLineRefusal(try CLI.run(args + ["--data", data, "--new-data"]), "--new-data and --data \(data): that is the run's own data")
        }
    }

    /// bench: the flags of the timed steps go without --gemm-shapes, --repeats with
    /// it; import: --vocab wins over another vocab.txt beside the weights, and says so.
    func testBenchAndImportSayWhatTheyIgnore() throws {
        let tiny = ["bench", "--batch-size", "2", "--bptt", "3", "--emsize", "8", "--nhid", "8", "--nlayers", "1", "--vocab", "20"]
        for flag in [["--steps", "2"], ["--warmup", "0"], ["--eval-batch-size", "2"], ["--eval-steps", "2"], ["--zipf", "1"]] {
            assertOneLineRefusal(try CLI.run(tiny + ["--gemm-shapes"] + flag), "\(flag[0]) and --gemm-shapes", "would be unused")
        }
        assertOneLineRefusal(try CLI.run(tiny + ["--repeats", "2"]), "--repeats goes with --gemm-shapes")

        let dir = try TemporaryFolder()
        let beside = dir.url.appendingPathComponent("ck")
        try FileManager.default.createDirectory(at: beside, withIntermediateDirectories: false)
        try FileManager.default.copyItem(at: ImportCommandTests.fastaiItos, to: beside.appendingPathComponent("model.safetensors"))
        let words = try Vocabulary.read(from: ImportCommandTests.itos).words
        _ = try dir.write("ck/vocab.txt", words.reversed().joined(separator: "\n") + "\n")
        let r = try CLI.run(["import", "--from", beside.appendingPathComponent("model.safetensors").path, "--format", "fastai",
                             "--vocab", ImportCommandTests.itos.path, "--save", dir.url.appendingPathComponent("R").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--vocab \(ImportCommandTests.itos.path): used for the weights' words instead of \(beside.path)/vocab.txt"), r.stderr)
        XCTAssertEqual(try RunFolder(dir.url.appendingPathComponent("R")).readVocabulary().words, words)
    }

    /// plot reads the run folder as every command does: a damaged config.json,
    /// or a damaged metrics.jsonl line, is refused and nothing is drawn; finetune
    /// refuses the damaged history too instead of starting it afresh.
    func testDamagedRunFolderIsRefused() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let out = dir.url.appendingPathComponent("curves.svg")
        let good = try CLI.run(["plot", "--checkpoint", shared.run.path, "--out", out.path])
        XCTAssertEqual(good.status, 0, good.stderr)
        try FileManager.default.removeItem(at: out)

        let invalid = try dir.copy(shared.run, as: "invalid")
        let config = invalid.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
        XCTAssertTrue(text.contains("\"emsize\" : 16"), text)
        try text.replacingOccurrences(of: "\"emsize\" : 16", with: "\"emsize\" : -1").write(to: config, atomically: true, encoding: .utf8)
        assertOneLineRefusal(try CLI.run(["plot", "--checkpoint", invalid.path, "--out", out.path]), "\(config.path): emsize must be")
        let garbage = try dir.copy(shared.run, as: "garbage")
        try "{ not json".write(to: garbage.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        assertOneLineRefusal(try CLI.run(["plot", "--checkpoint", garbage.path, "--out", out.path]), "config.json: malformed")
        let metrics = try dir.copy(shared.run, as: "metrics")
        let handle = try FileHandle(forWritingTo: metrics.appendingPathComponent("metrics.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"kind\": \"epoch\", \"epo\n".utf8))
        try handle.close()
        let lines = try String(contentsOf: metrics.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count
        assertOneLineRefusal(try CLI.run(["plot", "--checkpoint", metrics.path, "--out", out.path]), "metrics.jsonl: line \(lines) is not a metrics record")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let history = try Data(contentsOf: metrics.appendingPathComponent("metrics.jsonl"))
        let finetune = try CLI.run(["finetune", "--checkpoint", metrics.path, "--data", shared.data.path])
        XCTAssertEqual(finetune.status, 1, finetune.stderr)
        XCTAssertTrue(finetune.stderr.contains("awd-lstm: error: \(metrics.path)/metrics.jsonl: line \(lines) is not a metrics record"), finetune.stderr)
        XCTAssertEqual(try Data(contentsOf: metrics.appendingPathComponent("metrics.jsonl")), history)
        XCTAssertFalse(FileManager.default.fileExists(atPath: metrics.appendingPathComponent("model.pre-finetune.safetensors").path))
    }
}

/// Text read with a trained vocabulary: line ends as its convention marks them,
/// unknown words as its unknown token.
final class LineBoundaryTests: XCTestCase {
    func testEachConventionMarksLinesItsWay() throws {
        let text = Data("a b\n\nc zz\n".utf8)
        let authors = try Vocabulary(words: ["a", "b", "c", "<eos>", "<unk>"])
        XCTAssertEqual(authors.lineBoundary, .endOfSentence(3))
        let (ids, unknown) = try Corpus.tokenize(text, source: "t", mappingUnknownWordsOf: authors)
        XCTAssertEqual(ids, [0, 1, 3, 3, 2, 4, 3])  // as data.py: <eos> after every line, the empty one too
        XCTAssertEqual(unknown, 1)

        let fastai = try Vocabulary(words: ["xxunk", "xxpad", "xxbos", "xxeos", "a", "b", "c"])
        XCTAssertEqual(fastai.lineBoundary, .beginningOfText(2))
        XCTAssertEqual(fastai.unknownWord, "xxunk")
        XCTAssertEqual(try Corpus.tokenize(text, source: "t", mappingUnknownWordsOf: fastai).ids, [2, 4, 5, 2, 6, 0])
        XCTAssertEqual(try Corpus.tokenize(text, source: "t", vocabulary: try Vocabulary(words: ["xxbos", "a", "b", "c", "zz"])).ids,
                       [0, 1, 2, 0, 3, 4])

        let plain = try Vocabulary(words: ["a", "b", "c"])
        XCTAssertEqual(plain.lineBoundary, .unmarked)
        XCTAssertNil(plain.unknownWord)
        XCTAssertEqual(try Corpus.tokenize(Data("a b\nc\n".utf8), source: "t", mappingUnknownWordsOf: plain).ids, [0, 1, 2])
        XCTAssertThrowsError(try Corpus.tokenize(text, source: "t", mappingUnknownWordsOf: plain)) {
            XCTAssertEqual($0 as? CorpusError, .wordNotInVocabulary(word: "zz", source: "t", noUnknownToken: true))
        }
        // A prompt is an unfinished line: no <eos> after it unless it ends with a line break.
        XCTAssertEqual(try Generator.encode("a b", vocabulary: authors).ids, [0, 1])
        XCTAssertEqual(try Generator.encode("a\nb\n", vocabulary: authors).ids, [0, 3, 1, 3])
        XCTAssertEqual(try Generator.encode("  \n", vocabulary: authors).ids, [])
        XCTAssertEqual(try Generator.text([0, 3, 1, 3, 2], vocabulary: authors), "a\nb\nc\n")
    }
}
