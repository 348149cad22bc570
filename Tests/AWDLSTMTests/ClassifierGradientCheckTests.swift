import XCTest
@testable import AWDLSTM

/// Central finite differences against the analytic gradient of the text
/// classifier's training loss (cross-entropy + AR + TAR), for every element of
/// every parameter: the encoder's embedding and LSTM layers and the head's
/// batch norms and linear layers. A tiny classifier (V=16, E=4, H=5, L=2,
/// head [12, 3, 3]) reads four documents of lengths 11, 9, 5 and 2 in windows
/// of 3 with the last 6 outputs kept, so that the windows, the dropped early
/// windows, the growing batch of fastai's `real_bs` rule and the padding all
/// take part; every dropout is on. As fastai detaches the carried state between
/// windows, the loss of each evaluation runs every kept window from the state
/// the unperturbed pass gave it, with that pass's masks (`SentenceEncoder.replay`).
///
/// The padding word's embedding row is left out: like PyTorch's `padding_idx`
/// (fastai's `nn.Embedding(…, padding_idx=1)`), it gets no gradient by design,
/// though trailing padding does pass through the encoder.
///
/// Float32 arithmetic with ε = 1e-2 gives roundoff and truncation errors of
/// about 1e-4; each tensor must satisfy max|fd − analytic| ≤ 3e-3 · max(max|analytic|, 0.05).
final class ClassifierGradientCheckTests: XCTestCase {
    func testEveryClassifierParameterMatchesFiniteDifferences() throws {
        var config = ClassifierConfig(vocabSize: 16, classes: ["a", "b", "c"], emsize: 4, nhid: 5, nlayers: 2,
                                      dropMult: 1, bptt: 3, maxLength: 6, linearFeatures: [3], paddingIndex: 1)
        config.headDropouts = [0.3, 0.2]
        var rng = RandomSource(seed: 11)
        let classifier = try TextClassifier(config: config, rng: &rng)
        let head = classifier.head
        for i in 0..<head.weights.count { head.weights[i] = rng.uniform(-0.8, 0.8) }
        let lengths = [11, 9, 5, 2]
        let documents = lengths.map { n in (0..<n).map { _ in Int32(2 + rng.next() % 14) } }
        let padded = PaddedDocuments(documents, bptt: 3, paddingIndex: 1)
        let labels = [0, 2, 1, 2]

        var r = RandomSource(seed: 99)
        let base = try classifier.trainingPass(padded, labels: labels, rng: &r)
        let encoderGradient = classifier.encoder.gradients.toArray(), headGradient = head.gradients.toArray()
        // fastai detaches the state between windows: each window runs from the
        // state the base pass gave it, with the same masks.
        func loss() -> Double {
            var r = RandomSource(seed: 0)
            let l = try! classifier.trainingPass(padded, labels: labels, rng: &r, replaying: base.encoded)
            return l.crossEntropy + l.activation + l.temporalActivation
        }
        XCTAssertEqual(loss(), base.crossEntropy + base.activation + base.temporalActivation, accuracy: 1e-12)
        let eps: Float = 1e-2
        func check(_ name: String, weights: FloatBuffer, range: Range<Int>, analytic: [Float], skip: Set<Int> = []) {
            var worst: Float = 0, scale: Float = 0.05
            for i in range where !skip.contains(i) {
                let saved = weights[i]
                weights[i] = saved + eps
                let up = loss()
                weights[i] = saved - eps
                let down = loss()
                weights[i] = saved
                let fd = Float((up - down) / Double(2 * eps))
                worst = max(worst, abs(fd - analytic[i]))
                scale = max(scale, abs(analytic[i]))
            }
            XCTAssertLessThanOrEqual(worst, 3e-3 * scale, "\(name): max |fd − analytic| = \(worst), scale \(scale)")
        }
        let layout = classifier.encoder.layout
        let e = layout.encoder, padRow = Set((e.offset + 4)..<(e.offset + 8))
        check(e.name, weights: classifier.encoder.weights, range: e.offset..<(e.offset + e.count), analytic: encoderGradient, skip: padRow)
        for entry in layout.layers.flatMap(\.entries) {
            check(entry.name, weights: classifier.encoder.weights, range: entry.offset..<(entry.offset + entry.count), analytic: encoderGradient)
        }
        for (k, b) in head.blocks.enumerated() {
            check("head \(k) batch norm", weights: head.weights, range: b.bnWeight..<b.linearWeight, analytic: headGradient)
            check("head \(k) linear", weights: head.weights, range: b.linearWeight..<(b.linearWeight + b.inputs * b.outputs),
                  analytic: headGradient)
        }
        XCTAssertTrue(encoderGradient[(e.offset + 4)..<(e.offset + 8)].allSatisfy { $0 == 0 }, "the padding row has a gradient")
    }
}
