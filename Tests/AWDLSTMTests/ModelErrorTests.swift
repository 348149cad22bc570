import XCTest
@testable import AWDLSTM

/// A batch that does not fit the model is refused with a `ModelError`, by every
/// pass and by the evaluators built on them, instead of stopping the process.
final class ModelErrorTests: XCTestCase {
    func makeModel() throws -> AWDLSTMModel {
        var rng = RandomSource(seed: 1)
        return try AWDLSTMModel(config: ModelConfig(vocabSize: 6, emsize: 4, nhid: 5, nlayers: 2), rng: &rng)
    }

    func testTokenIdsOutsideTheVocabularyThrow() throws {
        let model = try makeModel()
        model.resetHidden(batchSize: 1)
        var rng = RandomSource(seed: 0)
        for (inputs, targets, bad) in [([1, 6], [2, 3], Int32(6)), ([1, 2], [-1, 3], Int32(-1))] as [([Int32], [Int32], Int32)] {
            let batch = TokenBatch(inputs: inputs, targets: targets, steps: 2, batchSize: 1)
            let expected = ModelError.tokenOutsideVocabulary(id: bad, vocabularySize: 6)
            XCTAssertThrowsError(try model.evaluate(batch)) { XCTAssertEqual($0 as? ModelError, expected) }
            XCTAssertThrowsError(try model.forwardBackward(batch, alpha: 0, beta: 0, rng: &rng)) {
                XCTAssertEqual($0 as? ModelError, expected)
            }
            XCTAssertThrowsError(try model.logProbabilities(batch)) { XCTAssertEqual($0 as? ModelError, expected) }
        }
        XCTAssertEqual(ModelError.tokenOutsideVocabulary(id: 6, vocabularySize: 6).description,
                       "token id 6 is outside the model's vocabulary of 6 words (ids 0..<6)")
        // The evaluators pass the error on.
        XCTAssertThrowsError(try Evaluator.loss(model: model, data: BatchedTokens([1, 2, 9, 3], batchSize: 1), bptt: 2))
        XCTAssertThrowsError(try CachePointer(window: 1, bptt: 2).loss(model: model, tokens: [1, 2, 9, 3]))
        XCTAssertThrowsError(try Generator().sample(model: model, prompt: [7], count: 1))
    }

    func testABatchOfAnotherWidthThanTheStateThrows() throws {
        let model = try makeModel()
        model.resetHidden(batchSize: 2)
        let batch = TokenBatch(inputs: [1, 2, 3], targets: [2, 3, 4], steps: 3, batchSize: 1)
        XCTAssertThrowsError(try model.evaluate(batch)) {
            XCTAssertEqual($0 as? ModelError, .batchSizeMismatch(batchSize: 1, stateColumns: 2))
        }
    }
}
