import Foundation
import XCTest
import AWDLSTM

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

    func smallModel(_ corpus: Corpus) -> AWDLSTMModel {
        var rng = RandomSource(seed: 1)
        return AWDLSTMModel(config: ModelConfig(vocabSize: corpus.vocabulary.count, emsize: 8, nhid: 12, nlayers: 2), rng: &rng)
    }

    func smallOptions() -> TrainingOptions {
        var o = TrainingOptions()
        (o.batchSize, o.bptt, o.epochs, o.maxBatches, o.evalBatchSize) = (4, 10, 1, 1, 5)
        return o
    }

    func testTrainerRefusesDataTooSmall() throws {
        let full = syntheticCorpus(train: 400, valid: 60, test: 40)
        let corpus = Corpus(vocabulary: full.vocabulary, train: full.train, valid: Array(full.valid.prefix(9)), test: full.test)
        let dir = try TemporaryFolder()
        let trainer = try Trainer(model: smallModel(corpus), corpus: corpus, options: smallOptions(),
                                  folder: RunFolder(dir.url), dataPath: "synthetic")
        let error = caught(TrainingError.self) { _ = try trainer.run() }
        XCTAssertEqual(error, .dataTooSmall(split: .valid, tokens: 9, rows: 2, batchSize: 5, batchSizeField: "evalBatchSize"))
        XCTAssertEqual(error?.description, "validation data too small: 9 tokens do not fill 2 rows of evalBatchSize 5")
    }

    /// A learning rate of 1e39 makes the first validation loss NaN: the error
    /// names the cause, what the folder holds and that nothing was saved to resume from.
    func testDivergenceCarriesItsCauseAndTheFolder() throws {
        let corpus = syntheticCorpus(train: 400, valid: 60, test: 40)
        var options = smallOptions()
        options.lr = 1e39
        let dir = try TemporaryFolder()
        let trainer = try Trainer(model: smallModel(corpus), corpus: corpus, options: options,
                                  folder: RunFolder(dir.url), dataPath: "synthetic")
        let error = caught(TrainingError.self) { _ = try trainer.run() }
        XCTAssertEqual(error, .diverged(cause: .validationLoss(epoch: 1, isNaN: true), folder: dir.url.path,
                                        files: ["config.json", "metrics.jsonl", "vocab.txt"], recovery: .startAgain))
        XCTAssertTrue(error?.description.contains("no weights were saved yet") == true, "\(String(describing: error))")
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
}
