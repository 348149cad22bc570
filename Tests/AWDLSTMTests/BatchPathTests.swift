import XCTest
@testable import AWDLSTM

/// The recurrent product has three implementations chosen by batch size (a
/// matrix-vector product at B = 1, the packed kernel up to B = 32, BLAS GEMM above).
/// A batch whose columns all hold the same text must give the same loss and
/// gradients through each of them. With 37 hidden units every step runs on one
/// thread; with 200 the steps are shared between the pool's threads by hidden units.
final class BatchPathTests: XCTestCase {
    func testAllRecurrentPathsAgree() throws {
        try checkPathsAgree(nhid: 37)
    }

    func testAllRecurrentPathsAgreeWhenStepsAreSplit() throws {
        try checkPathsAgree(nhid: 200)
    }

    private func checkPathsAgree(nhid: Int) throws {
        let config = ModelConfig(vocabSize: 50, emsize: 20, nhid: nhid, nlayers: 3,
                                 dropout: 0, dropouth: 0, dropouti: 0, dropoute: 0, wdrop: 0)
        var rng = RandomSource(seed: 21)
        let model = try AWDLSTMModel(config: config, rng: &rng)
        let steps = 9
        let column = (0..<(steps + 1)).map { _ in Int32(rng.next() % 50) }
        func batch(_ b: Int) -> TokenBatch {
            var inputs: [Int32] = [], targets: [Int32] = []
            for t in 0..<steps {
                inputs += Array(repeating: column[t], count: b)
                targets += Array(repeating: column[t + 1], count: b)
            }
            return TokenBatch(inputs: inputs, targets: targets, steps: steps, batchSize: b)
        }
        var results: [(Double, [Float], Double)] = []
        for b in [1, 7, 45] {
            model.resetHidden(batchSize: b)
            let loss = try model.forwardBackward(batch(b), alpha: 2, beta: 1, rng: &rng)
            model.resetHidden(batchSize: b)
            let eval = try model.evaluate(batch(b))
            results.append((loss.total, model.gradients.toArray(), eval))
        }
        for (b, r) in zip([7, 45], results.dropFirst()) {
            XCTAssertEqual(r.0, results[0].0, accuracy: 1e-5 * results[0].0, "training loss at batch \(b)")
            XCTAssertEqual(r.2, results[0].2, accuracy: 1e-5 * results[0].2, "evaluation loss at batch \(b)")
            XCTAssertLessThan(scaledMaxError(r.1, results[0].1), 1e-4, "gradients at batch \(b)")
        }
    }
}
