import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// Each error domain throws its own case with the values that caused it, worded
/// without the command line's flags; the command line prints one line in its
/// own words.
final class ErrorTests: XCTestCase {
    /// The thrown error as `E`, failing the test when nothing or something else is thrown.
    func caught<E: Error>(_ expected: E.Type, file: StaticString = #filePath, line: UInt = #line,
                          _ body: () throws -> Void) -> E? {
        do {
            try body()
            XCTFail("nothing thrown", file: file, line: line)
        } catch let e as E {
            XCTAssertFalse("\(e)".contains("--"), "library message names a flag: \(e)", file: file, line: line)
            return e
        } catch {
            XCTFail("\(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: configuration

    func testModelConfigNamesTheField() {
        func check(_ config: ModelConfig, _ expected: ConfigurationError, line: UInt = #line) {
            XCTAssertEqual(caught(ConfigurationError.self, line: line) { try config.validate() }, expected, line: line)
        }
        check(ModelConfig(vocabSize: 0), .invalid(field: "vocabSize", value: "0", allowed: .atLeast(1)))
        check(ModelConfig(vocabSize: 10, emsize: -4), .invalid(field: "emsize", value: "-4", allowed: .atLeast(1)))
        check(ModelConfig(vocabSize: 10, dropouti: 1), .invalid(field: "dropouti", value: "1.0", allowed: .dropProbability))
        check(ModelConfig(vocabSize: 10, splits: [5, 3]), .invalid(field: "splits", value: "5,3", allowed: .strictlyIncreasing))
        check(ModelConfig(vocabSize: 10, splits: [4, 12]), .invalid(field: "splits", value: "12", allowed: .belowVocabularySize(10)))
        XCTAssertNoThrow(try ModelConfig(vocabSize: 10, splits: [4, 8]).validate())
        XCTAssertEqual(ConfigurationError.invalid(field: "wdrop", value: "-0.1", allowed: .dropProbability).description,
                       "wdrop must be in [0, 1) (got -0.1)")
    }

    func testTrainingOptionsNameTheField() {
        func check(_ change: (inout TrainingOptions) -> Void, _ expected: ConfigurationError, line: UInt = #line) {
            var o = TrainingOptions()
            change(&o)
            XCTAssertEqual(caught(ConfigurationError.self, line: line) { try o.validate() }, expected, line: line)
        }
        check({ $0.lr = .infinity }, .invalid(field: "lr", value: "inf", allowed: .positiveAndFinite))
        check({ $0.beta = -1 }, .invalid(field: "beta", value: "-1.0", allowed: .nonNegativeAndFinite))
        check({ $0.maxBatches = 0 }, .invalid(field: "maxBatches", value: "0", allowed: .atLeast(1)))
        check({ $0.evalBatchSize = 0 }, .invalid(field: "evalBatchSize", value: "0", allowed: .atLeast(1)))
        XCTAssertEqual(ConfigurationError.invalid(field: "evalBatchSize", value: "0", allowed: .atLeast(1)).description,
                       "evalBatchSize must be at least 1 (got 0)")
        XCTAssertNoThrow(try TrainingOptions().validate())
    }

    func testGeneratorNamesTheTemperature() {
        XCTAssertEqual(caught(ConfigurationError.self) { try Generator(temperature: -1).validate() },
                       .invalid(field: "temperature", value: "-1.0", allowed: .positiveAndFinite))
        XCTAssertNoThrow(try Generator(temperature: .leastNonzeroMagnitude).validate())
    }

    // MARK: training

    static func smallModel(_ corpus: Corpus) throws -> AWDLSTMModel {
        var rng = RandomSource(seed: 1)
        return try AWDLSTMModel(config: ModelConfig(vocabSize: corpus.vocabulary.count, emsize: 8, nhid: 12, nlayers: 2), rng: &rng)
    }

    static func smallOptions() -> TrainingOptions {
        var o = TrainingOptions()
        (o.batchSize, o.bptt, o.epochs, o.maxBatches, o.evalBatchSize) = (4, 10, 1, 1, 5)
        return o
    }

    func testTrainerRefusesDataTooSmall() throws {
        let full = syntheticCorpus(train: 400, valid: 60, test: 40)
        let corpus = Corpus(vocabulary: full.vocabulary, train: full.train, valid: Array(full.valid.prefix(9)), test: full.test)
        let dir = try TemporaryFolder()
        let error = caught(TrainingError.self) {
            _ = try Trainer(model: Self.smallModel(corpus), corpus: corpus, options: Self.smallOptions(),
                            folder: RunFolder(dir.url), dataPath: "synthetic")
        }
        XCTAssertEqual(error, .dataTooSmall(split: .valid, tokens: 9, rows: 2, batchSize: 5, batchSizeField: "evalBatchSize"))
        XCTAssertEqual(error?.description, "validation data too small: 9 tokens do not fill 2 rows of evalBatchSize 5")
        // Refused before anything was written.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    /// A new run is checked before it writes: a model whose vocabulary is not the
    /// corpus's, and a folder that already holds a model, are refused and left as they were.
    func testNewRunRefusesBeforeWriting() throws {
        let corpus = syntheticCorpus(train: 400, valid: 60, test: 40)
        let dir = try TemporaryFolder()
        var config = try Self.smallModel(corpus).config
        config.vocabSize += 1
        var rng = RandomSource(seed: 1)
        let mismatch = caught(ConfigurationError.self) {
            _ = try Trainer(model: try AWDLSTMModel(config: config, rng: &rng), corpus: corpus, options: Self.smallOptions(),
                            folder: RunFolder(dir.url), dataPath: "synthetic")
        }
        XCTAssertEqual(mismatch, .invalid(field: "vocabSize", value: "\(config.vocabSize)", allowed: .equalTo(corpus.vocabulary.count)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])

        let trained = try Trainer(model: Self.smallModel(corpus), corpus: corpus, options: Self.smallOptions(),
                                  folder: RunFolder(dir.url), dataPath: "synthetic")
        _ = try trained.run()
        let folder = RunFolder(dir.url)
        let before = try [folder.model, folder.metrics, folder.config].map { try Data(contentsOf: $0) }
        let again = caught(RunFolderError.self) {
            _ = try Trainer(model: Self.smallModel(corpus), corpus: corpus, options: Self.smallOptions(),
                            folder: folder, dataPath: "synthetic")
        }
        XCTAssertEqual(again, .alreadyExists(path: folder.model.path))
        XCTAssertEqual(try [folder.model, folder.metrics, folder.config].map { try Data(contentsOf: $0) }, before)
    }

    func testGeneratorRefusesATemperatureItCannotUse() throws {
        let corpus = syntheticCorpus(train: 400, valid: 60, test: 40)
        for temperature in [0, -1, .infinity, .nan] {
            let error = caught(ConfigurationError.self) {
                _ = try Generator(temperature: temperature, seed: 1).sample(model: Self.smallModel(corpus), prompt: [1], count: 3)
            }
            XCTAssertEqual(error?.field, "temperature", "\(temperature)")
        }
    }

    /// A learning rate of 1e39 makes the first validation loss NaN: the error
    /// names the cause, what the folder holds and that nothing was saved to resume from.
    func testDivergenceCarriesItsCauseAndTheFolder() throws {
        let corpus = syntheticCorpus(train: 400, valid: 60, test: 40)
        var options = Self.smallOptions()
        options.lr = 1e39
        let dir = try TemporaryFolder()
        let trainer = try Trainer(model: Self.smallModel(corpus), corpus: corpus, options: options,
                                  folder: RunFolder(dir.url), dataPath: "synthetic")
        let error = caught(TrainingError.self) { _ = try trainer.run() }
        XCTAssertEqual(error, .diverged(cause: .validationLoss(epoch: 1, isNaN: true), folder: dir.url.path,
                                        files: ["config.json", "metrics.jsonl", "tensorboard", "vocab.txt"], recovery: .startAgain))
        XCTAssertTrue(error?.description.contains("no weights were saved yet") == true, "\(String(describing: error))")
    }

    // MARK: corpora and files

    func testCorpusErrorsCarryTheSourceAndWord() throws {
        let dir = try TemporaryFolder()
        let missing = dir.url.appendingPathComponent("none")
        XCTAssertEqual(caught(CorpusError.self) { _ = try Corpus(folder: missing) }, .noSuchFolder(path: missing.path))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Corpus(folder: dir.url) }, .missingSplitFiles(folder: dir.url.path))
        var vocabulary = Vocabulary()
        vocabulary.add("a")
        XCTAssertEqual(caught(CorpusError.self) { _ = try Corpus.tokenize(Data("a zz\n".utf8), source: "t.txt", vocabulary: vocabulary) },
                       .wordNotInVocabulary(word: "zz", source: "t.txt", noUnknownToken: false))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Corpus.tokenize(Data("a zz\n".utf8), source: "t.txt", mappingUnknownWordsOf: vocabulary) },
                       .wordNotInVocabulary(word: "zz", source: "t.txt", noUnknownToken: true))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Generator.encode("a zz", vocabulary: vocabulary) },
                       .wordNotInVocabulary(word: "zz", source: "prompt", noUnknownToken: true))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Corpus.tokenize(Data(), source: "e.txt") }, .emptyFile(source: "e.txt"))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Vocabulary(fileData: Data("a\nb\na\n".utf8), source: "v.txt") },
                       .duplicateWord(word: "a", source: "v.txt"))
        XCTAssertEqual(caught(CorpusError.self) { _ = try Enwik8.split(Data(count: 10), heldOut: 5) },
                       .tooSmallToSplit(name: "enwik8", bytes: 10, heldOut: 5))
    }

    func testFileErrorsNameThePathAndStep() throws {
        let dir = try TemporaryFolder()
        let target = dir.url.appendingPathComponent("no/such/folder/x.txt")
        guard case .cannotWrite(let path, let step, let reason)? = caught(FileError.self, { try AtomicFile.write("x", to: target) }) else {
            return XCTFail("not a write error")
        }
        XCTAssertTrue(path.hasPrefix(target.deletingLastPathComponent().path), path)
        XCTAssertEqual(step, .create)
        XCTAssertEqual(reason, String(cString: strerror(ENOENT)))
        XCTAssertEqual(caught(FileError.self) { _ = try SafeTensors(contentsOf: target) }, .unreadable(path: target.path))
    }

    // MARK: checkpoints, run folders, imports

    func testCheckpointErrorsNameTheTensor() throws {
        XCTAssertEqual(caught(CheckpointError.self) { _ = try SafeTensors(data: Data([1, 2, 3]), source: "x") },
                       .malformed(source: "x", reason: "truncated file (3 bytes, no header length)"))
        var rng = RandomSource(seed: 1)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 10, emsize: 4, nhid: 6, nlayers: 2), rng: &rng)
        let other = try AWDLSTMModel(config: ModelConfig(vocabSize: 12, emsize: 4, nhid: 6, nlayers: 2), rng: &rng)
        let file = try SafeTensors(data: SafeTensors.encode(other.namedTensors()), source: "m")
        XCTAssertEqual(caught(CheckpointError.self) { try model.loadWeights(from: file, source: "m") },
                       .shapeMismatch(source: "m", tensor: "encoder.weight", shape: [12, 4], expected: [10, 4]))
        model.weights.pointer[5] = .nan
        let nan = try SafeTensors(data: SafeTensors.encode(model.namedTensors()), source: "n")
        XCTAssertEqual(caught(CheckpointError.self) { try model.loadWeights(from: nan, source: "n") },
                       .nonFinite(source: "n", tensor: "encoder.weight", index: 5))
    }

    func testRunFolderErrorsNameTheFile() throws {
        let dir = try TemporaryFolder()
        let folder = RunFolder(dir.url)
        XCTAssertEqual(caught(RunFolderError.self) { _ = try folder.loadModel() },
                       .missingConfiguration(path: folder.config.path, folder: dir.url.path))
        let corpus = syntheticCorpus(train: 400, valid: 60, test: 40)
        let model = try Self.smallModel(corpus)
        try folder.writeConfig(RunConfig(model: model.config, training: TrainingOptions(), data: "synthetic"))
        try folder.writeVocabulary(corpus.vocabulary)
        XCTAssertEqual(caught(RunFolderError.self) { _ = try folder.loadModel() }, .missingModel(path: folder.model.path))
        XCTAssertEqual(caught(RunFolderError.self) {
            _ = try Trainer(resuming: folder, model: model, corpus: corpus, options: TrainingOptions())
        }, .missingState(path: folder.state.path, folder: dir.url.path))
        var bad = model.config
        bad.nhid = 0
        try folder.writeConfig(RunConfig(model: bad, training: TrainingOptions(), data: "synthetic"))
        XCTAssertEqual(caught(RunFolderError.self) { _ = try folder.loadModel() },
                       .invalidConfiguration(path: folder.config.path, .invalid(field: "nhid", value: "0", allowed: .atLeast(1))))
    }

    func testImportErrorsNameTheSplits() throws {
        let url = Fixtures.folder.appendingPathComponent("import/salesforce.safetensors")
        XCTAssertEqual(caught(ImportError.self) { _ = try CheckpointImport(contentsOf: url, format: .salesforce, splits: [5]) },
                       .splitsWithoutTailClusters(source: url.path))
        let imported = try CheckpointImport(contentsOf: url, format: .salesforce)
        XCTAssertEqual(caught(ImportError.self) { try imported.requireVocabularySize(13, of: "D") },
                       .vocabularyMismatch(source: url.path, tensor: "encoder.weight", words: 12, emsize: imported.config.emsize,
                                           vocabularySource: "D", vocabularyWords: 13))
    }
}

/// The command line's wording of library errors: one line naming the flag, a
/// non-zero status, no trap.
final class ErrorLineTests: XCTestCase {
    func assertErrorLine(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error: ") }, ["awd-lstm: error: " + expected],
                       r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrace"), r.stderr, file: file, line: line)
    }

    func testConfigurationFieldsAreSpeltAsFlags() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let train = ["train", "--data", data.path, "--save", dir.url.appendingPathComponent("run").path] + tinyModelFlags
        try assertErrorLine(train + ["--max-batches", "0"], "--max-batches must be at least 1 (got 0)")
        try assertErrorLine(train + ["--log-interval", "0"], "--log-interval must be at least 1 (got 0)")
        try assertErrorLine(train + ["--dropouti", "1"], "--dropouti must be in [0, 1) (got 1.0)")
        try assertErrorLine(["generate", "--checkpoint", dir.url.path, "--temperature", "0"],
                            "--temperature must be positive and finite (got 0.0)")
    }

    /// A damaged `config.json` is refused by every command that reads it, naming
    /// its key, before a model of that configuration is built.
    func testConfigurationFileErrorsNameTheKey() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let folder = RunFolder(dir.url.appendingPathComponent("run"))
        try folder.create()
        var training = TrainingOptions()
        training.batchSize = 0
        for (model, options, key) in [(ModelConfig(vocabSize: 31, emsize: -1), TrainingOptions(), "emsize must be at least 1 (got -1)"),
                                      (ModelConfig(vocabSize: 31), training, "batch_size must be at least 1 (got 0)")] {
            try folder.writeConfig(RunConfig(model: model, training: options, data: data.path))
            for command in [["train", "--resume"], ["evaluate", "--data", data.path, "--checkpoint"], ["generate", "--checkpoint"]] {
                try assertErrorLine(command + [folder.url.path] + (command[0] == "train" ? ["--data", data.path] : []),
                                    "\(folder.config.path): \(key)")
            }
        }
    }

    func testImportErrorsSpellTheFlags() throws {
        let dir = try TemporaryFolder()
        let fixtures = Fixtures.folder.appendingPathComponent("import")
        let salesforce = fixtures.appendingPathComponent("salesforce.safetensors").path
        let base = ["import", "--from", salesforce, "--data", fixtures.appendingPathComponent("corpus").path,
                    "--save", dir.url.appendingPathComponent("run").path]
        try assertErrorLine(base + ["--format", "fastai"],
                            "\(salesforce): unexpected tensor 'decoder.bias' for a fastai AWD-LSTM checkpoint "
                            + "(the names are those of a salesforce checkpoint: try --format salesforce)")
        try assertErrorLine(base + ["--format", "salesforce", "--splits", "5"],
                            "\(salesforce): --splits given, but the checkpoint has no 'criterion.tail_vectors' (a full-softmax model)")
    }
}
