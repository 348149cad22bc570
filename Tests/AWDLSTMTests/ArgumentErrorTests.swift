import Foundation
import XCTest
@testable import AWDLSTM

/// Bad arguments to the public initialisers and methods throw an error naming
/// the value at fault instead of stopping the process: a model of an invalid
/// configuration, evaluators with settings out of range or too little text, a
/// sampler asked for a negative count, ids no vocabulary holds.
final class ArgumentErrorTests: XCTestCase {
    /// The `ConfigurationError` `body` throws; fails the test on anything else.
    func configurationError(file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> Void) -> ConfigurationError? {
        do {
            try body()
            XCTFail("nothing thrown", file: file, line: line)
        } catch let e as ConfigurationError {
            return e
        } catch {
            XCTFail("\(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    func makeModel() throws -> AWDLSTMModel {
        var rng = RandomSource(seed: 3)
        return try AWDLSTMModel(config: ModelConfig(vocabSize: 6, emsize: 4, nhid: 5, nlayers: 2), rng: &rng)
    }

    let text: [Int32] = (0..<60).map { Int32($0 * 7 % 6) }

    /// Sizes that are each valid but whose parameters overflow an `Int` or do not fit
    /// in memory throw, naming the largest size, instead of trapping in the allocation.
    func testSizesBeyondMemoryThrowInsteadOfAllocating() {
        let memory = ProcessInfo.processInfo.physicalMemory
        let cases: [(ModelConfig, String, Int)] = [
            (ModelConfig(vocabSize: 10, nhid: Int.max / 2), "nhid", Int.max / 2),
            (ModelConfig(vocabSize: 10, nhid: 300_000), "nhid", 300_000),
            (ModelConfig(vocabSize: 1 << 40), "vocabSize", 1 << 40),
            (ModelConfig(vocabSize: 10, model: .qrnn, emsize: Int.max / 3, nhid: 8), "emsize", Int.max / 3),
            (ModelConfig(vocabSize: 10, emsize: 2, nhid: 2, nlayers: Int.max), "nlayers", Int.max),
        ]
        for (config, field, value) in cases {
            var rng = RandomSource(seed: 1)
            XCTAssertEqual(configurationError { _ = try AWDLSTMModel(config: config, rng: &rng) },
                           .invalid(field: field, value: "\(value)", allowed: .fitsInMemory(memoryBytes: memory)))
        }
        // The paper's PTB model (24 M parameters) passes.
        XCTAssertNoThrow(try ModelConfig(vocabSize: 10_000).validate())
        for config in [ModelConfig(vocabSize: 6, emsize: 4, nhid: 5, nlayers: 2),
                       ModelConfig(vocabSize: 30, model: .qrnn, emsize: 7, nhid: 9, nlayers: 3, splits: [10, 20])] {
            XCTAssertEqual(config.parameterCount(atMost: .max), ParameterLayout(config).totalCount)
        }
    }

    func testAnInvalidConfigurationThrowsTheFieldInsteadOfBuildingAModel() {
        let configs = [ModelConfig(vocabSize: 0), ModelConfig(vocabSize: 10, nlayers: 0),
                       ModelConfig(vocabSize: 10, emsize: -1), ModelConfig(vocabSize: 10, wdrop: 1),
                       ModelConfig(vocabSize: 10, splits: [4, 10])]
        for config in configs {
            var rng = RandomSource(seed: 1)
            let thrown = configurationError { _ = try AWDLSTMModel(config: config, rng: &rng) }
            XCTAssertNotNil(thrown)
            // The same error as the configuration's own check, the field named.
            XCTAssertEqual(thrown, configurationError { try config.validate() })
        }
    }

    func testEvaluatorReturnsItsResultAndRefusesWindowsBelowOneAndDataWithoutTargets() throws {
        let model = try makeModel()
        let data = try BatchedTokens(text, batchSize: 3)
        let result = try Evaluator.evaluate(model: model, data: data, bptt: 4)
        let loss = try Evaluator.loss(model: model, data: data, bptt: 4)
        var expected = EvaluationResult(loss: loss, tokens: text.count, scoredTokens: 3 * (text.count / 3 - 1))
        expected.perTokenLoss = Evaluator.perScoredToken(loss, rows: data.rows)
        XCTAssertEqual(result, expected)
        XCTAssertEqual(configurationError { _ = try Evaluator.evaluate(model: model, data: data, bptt: 0) },
                       .invalid(field: "bptt", value: "0", allowed: .atLeast(1)))
        // One row has no target after it: nothing would be scored.
        XCTAssertEqual(configurationError { _ = try Evaluator.evaluate(model: model, data: try BatchedTokens([1, 2], batchSize: 2), bptt: 4) },
                       .invalid(field: "data.rows", value: "1", allowed: .atLeast(2)))
    }

    func testCachePointerChecksItsSettingsAndTheText() throws {
        let model = try makeModel()
        let pointer = CachePointer(lambda: 0.3, theta: 1, window: 5, bptt: 7)
        XCTAssertEqual(try pointer.evaluate(model: model, tokens: text),
                       EvaluationResult(loss: try pointer.loss(model: model, tokens: text), tokens: text.count, scoredTokens: text.count - 1))
        func check(_ p: CachePointer, _ expected: ConfigurationError, line: UInt = #line) {
            XCTAssertEqual(configurationError(line: line) { _ = try p.evaluate(model: model, tokens: self.text) }, expected, line: line)
        }
        check(CachePointer(lambda: 1.5), .invalid(field: "lambda", value: "1.5", allowed: .unitInterval))
        check(CachePointer(theta: .infinity), .invalid(field: "theta", value: "inf", allowed: .finite))
        check(CachePointer(window: 0), .invalid(field: "window", value: "0", allowed: .atLeast(1)))
        check(CachePointer(window: -3), .invalid(field: "window", value: "-3", allowed: .atLeast(1)))
        check(CachePointer(bptt: 0), .invalid(field: "bptt", value: "0", allowed: .atLeast(1)))
        XCTAssertEqual(configurationError { _ = try pointer.evaluate(model: model, tokens: [1]) },
                       .invalid(field: "tokens.count", value: "1", allowed: .atLeast(2)))
        XCTAssertEqual(ConfigurationError.invalid(field: "lambda", value: "1.5", allowed: .unitInterval).description,
                       "lambda must be in [0, 1] (got 1.5)")
    }

    func testDynamicEvaluationChecksItsSettingsStatisticsAndText() throws {
        let model = try makeModel()
        var dyn = DynamicEvaluation()
        (dyn.bptt, dyn.statsBatchSize) = (4, 2)
        let ms = try dyn.gradientStatistics(model: model, train: text)
        XCTAssertEqual(try dyn.evaluate(model: model, tokens: text, ms: ms),
                       EvaluationResult(loss: try dyn.loss(model: model, tokens: text, ms: ms), tokens: text.count,
                                        scoredTokens: text.count - 1))
        func check(_ change: (inout DynamicEvaluation) -> Void, _ expected: ConfigurationError, line: UInt = #line) {
            var d = dyn
            change(&d)
            XCTAssertEqual(configurationError(line: line) { _ = try d.gradientStatistics(model: model, train: self.text) },
                           expected, line: line)
            XCTAssertEqual(configurationError(line: line) { _ = try d.evaluate(model: model, tokens: self.text, ms: ms) },
                           expected, line: line)
        }
        check({ $0.lr = -1 }, .invalid(field: "lr", value: "-1.0", allowed: .nonNegativeAndFinite))
        check({ $0.lambda = .nan }, .invalid(field: "lambda", value: "nan", allowed: .nonNegativeAndFinite))
        check({ $0.epsilon = 0 }, .invalid(field: "epsilon", value: "0.0", allowed: .positiveAndFinite))
        check({ $0.bptt = 0 }, .invalid(field: "bptt", value: "0", allowed: .atLeast(1)))
        check({ $0.statsBatchSize = 0 }, .invalid(field: "statsBatchSize", value: "0", allowed: .atLeast(1)))
        check({ $0.maxStatsBatches = 0 }, .invalid(field: "maxStatsBatches", value: "0", allowed: .atLeast(1)))
        // Too little training text for one batch of statistics, statistics of another
        // model, too little text to score: refused before the weights move.
        let before = model.weights.toArray()
        XCTAssertEqual(configurationError { _ = try dyn.gradientStatistics(model: model, train: Array(self.text.prefix(5))) },
                       .invalid(field: "train.count", value: "5", allowed: .atLeast(6)))
        XCTAssertEqual(configurationError { _ = try dyn.evaluate(model: model, tokens: self.text, ms: FloatBuffer(count: 3)) },
                       .invalid(field: "ms.count", value: "3", allowed: .equalTo(model.weights.count)))
        XCTAssertEqual(configurationError { _ = try dyn.evaluate(model: model, tokens: [1, 2], ms: ms) },
                       .invalid(field: "tokens.count", value: "2", allowed: .atLeast(3)))
        XCTAssertEqual(model.weights.toArray(), before)
    }

    func testGeneratorRefusesANegativeCountAndSpellsOnlyWordsOfTheVocabulary() throws {
        let model = try makeModel()
        XCTAssertEqual(configurationError { _ = try Generator().sample(model: model, prompt: [1], count: -1) },
                       .invalid(field: "count", value: "-1", allowed: .atLeast(0)))
        XCTAssertEqual(try Generator().sample(model: model, prompt: [1], count: 0), [])
        let vocabulary = try Vocabulary(words: ["a", "b", Vocabulary.endOfSentence])
        XCTAssertEqual(try Generator.text([0, 2, 1], vocabulary: vocabulary), "a\nb\n")
        for bad: Int32 in [3, -1] {
            XCTAssertThrowsError(try Generator.text([0, bad], vocabulary: vocabulary)) {
                XCTAssertEqual($0 as? CorpusError, .idOutsideVocabulary(id: bad, vocabularySize: 3))
            }
        }
    }

    func testSafeTensorsEncodingRefusesValuesThatDoNotFillTheShapeAndRepeatedNames() throws {
        let good = try SafeTensors(data: SafeTensors.encode([(name: "a", shape: [2, 1], values: [1, 2])]))
        XCTAssertEqual(try good.floats("a"), [1, 2])
        XCTAssertThrowsError(try SafeTensors.encode([(name: "a", shape: [2, 2], values: [1, 2, 3])])) {
            XCTAssertEqual($0 as? CheckpointError, .valueCountMismatch(source: "encode", tensor: "a", count: 3, expected: 4))
        }
        XCTAssertThrowsError(try SafeTensors.encode([(name: "a", shape: [-1, -2], values: [1, 2])])) {
            XCTAssertEqual($0 as? CheckpointError, .malformed(source: "encode", reason: "tensor 'a' has a negative dimension in [-1, -2]"))
        }
        XCTAssertThrowsError(try SafeTensors.encode([(name: "a", shape: [1], values: [1]), (name: "a", shape: [1], values: [2])])) {
            XCTAssertEqual($0 as? CheckpointError, .malformed(source: "encode", reason: "tensor 'a' is given twice"))
        }
    }

    func testARemappingFromAnotherVocabularyIsRefused() throws {
        let model = try makeModel()  // 6 words
        let source = try Vocabulary(words: (0..<9).map { "w\($0)" })
        let target = try Vocabulary(words: ["w8", "w0"])
        var config = model.config
        config.vocabSize = target.count
        XCTAssertThrowsError(try model.remapped(to: config, VocabularyRemap(from: source, to: target))) {
            guard case CheckpointError.remapMismatch(let reason)? = $0 as? CheckpointError else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue(reason.contains("source row 8"), reason)
        }
    }
}
