import Foundation
import XCTest
@testable import AWDLSTM

/// The cache pointer's mixture `p = λ · p_cache + (1 − λ) · p_model` against the
/// authors' formula, with uniform attention (θ = 0, so `p_cache` is the share of
/// the window's positions followed by the target), on a text with a word the
/// model gives a probability below the smallest double.
final class CachePointerTests: XCTestCase {
    func testMixtureIsFiniteWhereTheModelProbabilityUnderflows() throws {
        var rng = RandomSource(seed: 3)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 8, emsize: 4, nhid: 6, nlayers: 2), rng: &rng)
        // Word 7: log p ≈ −1000 under the model, far below the smallest double (≈ e^−745).
        let bias = try XCTUnwrap(model.layout.entry(named: "decoder.bias"))
        model.parameter(bias)[7] = -1000
        var tokens = (0..<40).map { _ in Int32(rng.next() % 7) }
        for i in [10, 12, 20, 21, 30] { tokens[i] = 7 }
        let window = 5, lambda = 0.3

        // The model's own loss at each position, one window from a zero state as the pointer runs it.
        let n = tokens.count - 1
        model.resetHidden(batchSize: 1)
        var modelLoss = [Double](repeating: 0, count: n)
        let batch = TokenBatch(inputs: Array(tokens[..<n]), targets: Array(tokens[1...]), steps: n, batchSize: 1)
        _ = try modelLoss.withUnsafeMutableBufferPointer { try model.evaluate(batch, rowLosses: $0.baseAddress!) }
        // Position 9 predicts the first 7, which no earlier position was followed by:
        // mixed as probabilities, both terms are 0 there.
        XCTAssertGreaterThan(modelLoss[9], 745)
        XCTAssertEqual(exp(-modelLoss[9]), 0)

        var expected = 0.0
        for i in 0..<n {
            // The reference consults the cache once more than `window` positions precede.
            guard i > window else { expected += modelLoss[i]; continue }
            let hits = ((i - window)..<i).filter { tokens[$0 + 1] == tokens[i + 1] }.count
            if hits == 0 {
                expected += modelLoss[i] - log(1 - lambda)  // −log((1 − λ) · p_model)
            } else {
                expected -= log(lambda * Double(hits) / Double(window) + (1 - lambda) * exp(-modelLoss[i]))
            }
        }
        expected /= try Double(BatchedTokens(tokens, batchSize: 1).rows)

        let loss = try CachePointer(lambda: lambda, theta: 0, window: window, bptt: 100).loss(model: model, tokens: tokens)
        XCTAssertTrue(loss.isFinite, "loss \(loss)")
        XCTAssertEqual(loss, expected, accuracy: 1e-12 * expected)
    }
}
