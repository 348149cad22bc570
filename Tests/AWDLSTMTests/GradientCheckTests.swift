import XCTest
@testable import AWDLSTM

/// Central finite differences against the analytic gradient, for every element
/// of every parameter tensor of a tiny model (V=20, E=6, H=8, L=3, T=5, B=3),
/// with all five dropouts on (masks fixed) and AR/TAR on; with the full softmax
/// and with the split cross-entropy.
///
/// The engine computes in float32, so the difference quotient carries roundoff
/// of about ulp(loss)/ε; with ε = 1e-2 that and the O(ε²) truncation error both
/// stay below 1e-4 in absolute terms. Each tensor must satisfy
/// max|fd − analytic| ≤ 2e-3 · max(max|analytic|, 0.05).
final class GradientCheckTests: XCTestCase {
    func testEveryParameterMatchesFiniteDifferences() { check(.lstm) }

    /// The same for the QRNN (window 2 on the first layer): weight drop on the
    /// linear maps, and a non-zero carried cell and previous input.
    func testEveryQRNNParameterMatchesFiniteDifferences() { check(.qrnn) }

    /// The split cross-entropy (head of 5 words and 3 tombstones, tail clusters of
    /// 4, 5 and 6 words), the tail vectors and biases included, with targets in
    /// every cluster.
    func testSplitCrossEntropyMatchesFiniteDifferences() { check(.lstm, splits: [5, 9, 14]) }

    func check(_ kind: RNNType, splits: [Int] = []) {
        let config = ModelConfig(vocabSize: 20, model: kind, emsize: 6, nhid: 8, nlayers: 3,
                                 dropout: 0.4, dropouth: 0.25, dropouti: 0.65, dropoute: 0.1, wdrop: 0.5,
                                 splits: splits)
        var rng = RandomSource(seed: 7)
        let model = try! AWDLSTMModel(config: config, rng: &rng)
        // The criterion's parameters start at zero; move them so that their gradients are general.
        for e in [model.layout.tailVectors, model.layout.tailBias].compactMap({ $0 }) {
            for i in 0..<e.count { model.weights[e.offset + i] = rng.uniform(-0.5, 0.5) }
        }
        let steps = 5, b = 3
        model.resetHidden(batchSize: b)
        // A non-zero carried state, as in the middle of an epoch.
        for s in model.hidden {
            for (_, t) in s.tensors { for i in 0..<t.count { t[i] = rng.uniform(-0.5, 0.5) } }
        }
        let saved = model.hidden.map { $0.tensors.map { $0.buffer.toArray() } }
        var tokens = (0..<(2 * steps * b)).map { _ in Int32(rng.next() % 20) }
        // A target in every cluster (targets are the second half of `tokens`).
        if !config.splits.isEmpty {
            for (i, start) in ([0] + config.splits).enumerated() { tokens[steps * b + 2 * i] = Int32(start + i % 2) }
        }
        let batch = TokenBatch(inputs: Array(tokens[..<(steps * b)]), targets: Array(tokens[(steps * b)...]),
                               steps: steps, batchSize: b)

        func mask(_ n: Int, _ p: Float) -> [Float] { (0..<n).map { _ in rng.uniform() < Double(1 - p) ? 1 / (1 - p) : 0 } }
        var embeddingMask = mask(20, 0.1)
        embeddingMask[Int(tokens[0])] = 0  // make sure a dropped row is used
        let weightMasks = kind == .lstm ? [32 * 8, 32 * 8, 24 * 6] : [24 * 12, 24 * 8, 18 * 8]
        let masks = DropoutMasks(
            embedding: embeddingMask, input: mask(b * 6, 0.65),
            hidden: [mask(b * 8, 0.25), mask(b * 8, 0.25)], output: mask(b * 6, 0.4),
            weightDrop: weightMasks.map { mask($0, 0.5) })

        func loss() -> Double {
            for (l, s) in model.hidden.enumerated() {
                for (k, t) in s.tensors.enumerated() { t.buffer.pointer.update(from: saved[l][k], count: t.buffer.count) }
            }
            var unused = RandomSource(seed: 0)
            return try! model.forwardBackward(batch, alpha: 2, beta: 1, rng: &unused, dropout: .given(masks)).total
        }
        _ = loss()
        let analytic = model.gradients.toArray()
        let eps: Float = 1e-2
        var worst = 0.0
        for e in model.layout.entries {
            var maxDiff = 0.0, maxGrad = 0.0
            for i in 0..<e.count {
                let k = e.offset + i
                let original = model.weights[k]
                model.weights[k] = original + eps
                let up = loss()
                model.weights[k] = original - eps
                let down = loss()
                model.weights[k] = original
                let fd = (up - down) / Double(2 * eps)
                maxDiff = max(maxDiff, abs(fd - Double(analytic[k])))
                maxGrad = max(maxGrad, abs(Double(analytic[k])))
            }
            let relative = maxDiff / max(maxGrad, 0.05)
            worst = max(worst, relative)
            XCTAssertLessThan(relative, 2e-3, "\(e.name): max |fd − analytic| = \(maxDiff), max |grad| = \(maxGrad)")
            XCTAssertGreaterThan(maxGrad, 0, "\(e.name) has an all-zero gradient")
        }
        print("gradient check (\(kind.rawValue)): worst scaled error \(worst)")
    }
}
