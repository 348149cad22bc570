import Foundation
import XCTest
@testable import AWDLSTM

final class OptimizerTests: XCTestCase {
    func testNonMonotoneTrigger() {
        // Needs more than `nonmono` epochs of history.
        XCTAssertFalse(NonMonotoneTrigger.shouldSwitch(history: [5, 4, 3, 2, 1], current: 9, nonmono: 5))
        // Worse than the best loss from more than 5 epochs ago: switch.
        XCTAssertTrue(NonMonotoneTrigger.shouldSwitch(history: [5, 4, 3, 2, 1, 0.5], current: 5.1, nonmono: 5))
        XCTAssertFalse(NonMonotoneTrigger.shouldSwitch(history: [5, 4, 3, 2, 1, 0.5], current: 4.9, nonmono: 5))
        // A recent improvement does not count: only history[..<−nonmono] is compared.
        XCTAssertTrue(NonMonotoneTrigger.shouldSwitch(history: [3, 9, 9, 1, 1], current: 3.5, nonmono: 3))
        XCTAssertFalse(NonMonotoneTrigger.shouldSwitch(history: [3, 9, 9, 1, 1], current: 3.0, nonmono: 3))
    }

    /// ASGD's average after k ≥ 2 steps is the mean of the iterates w₂ … w_k
    /// (PyTorch's `mu` schedule with t0 = 0), and the step size lags one step.
    func testAveragedWeightsAreTheMeanOfTheIterates() {
        let n = 37
        let w = FloatBuffer(count: n), g = FloatBuffer(count: n)
        var rng = RandomSource(seed: 9)
        for i in 0..<n { w[i] = rng.uniform(-1, 1) }
        var asgd = AveragedSGD(parameterCount: n, weightDecay: 1e-3)
        var iterates: [[Float]] = []
        let lrs = [1.0, 0.5, 0.25, 0.8, 0.3, 0.6, 0.1]
        var expected = w.toArray()
        for (k, lr) in lrs.enumerated() {
            for i in 0..<n { g[i] = rng.uniform(-1, 1) }
            let eta = Float(k == 0 ? lrs[0] : lrs[k - 1])
            for i in 0..<n { expected[i] -= eta * (g[i] + 1e-3 * expected[i]) }
            asgd.step(weights: w, gradients: g, lr: lr)
            XCTAssertEqual(w.toArray(), expected, "step \(k + 1) uses the previous step's learning rate")
            iterates.append(w.toArray())
        }
        for i in 0..<n {
            let mean = iterates[1...].map { Double($0[i]) }.reduce(0, +) / Double(iterates.count - 1)
            XCTAssertEqual(Double(asgd.average[i]), mean, accuracy: 1e-6)
        }
    }

    func testClippingScalesToTheMaximumNorm() {
        let g = FloatBuffer([3, 4, 0, 0])
        XCTAssertEqual(GradientClipping.clip(g, maxNorm: 1), 5)
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0.8, accuracy: 1e-6)
        let small = FloatBuffer([0.1, 0.1])
        GradientClipping.clip(small, maxNorm: 1)
        XCTAssertEqual(small.toArray(), [0.1, 0.1])
    }

    func testAdamFirstStepMovesByTheLearningRate() {
        // With bias correction Adam's first step is lr · sign(g) (up to eps).
        let w = FloatBuffer([1, -1, 0.5]), g = FloatBuffer([0.3, -2, 1e-3])
        var adam = Adam(parameterCount: 3, weightDecay: 0)
        adam.step(weights: w, gradients: g, lr: 0.01)
        XCTAssertEqual(w[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(w[1], -0.99, accuracy: 1e-6)
        XCTAssertEqual(w[2], 0.49, accuracy: 1e-5)
    }
}
