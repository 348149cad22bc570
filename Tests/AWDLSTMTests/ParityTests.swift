import XCTest
@testable import AWDLSTM

/// The Swift forward and backward pass against PyTorch (fixtures from
/// `scripts/reference/make_fixtures.py`): loss to 1e-5 relative, every gradient,
/// the final hidden states and the output to 1e-4 (max abs diff / max abs value).
final class ParityTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try ParityCase(name)
        try compare(c, batch: c.batch, masks: c.masks, expected: "expected", grad: "grad", file: file, line: line)
    }

    /// One training pass of `batch` against the fixture's `<expected>.*` and `<grad>.*`.
    func compare(
        _ c: ParityCase, batch: TokenBatch, masks: DropoutMasks, expected: String, grad: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let name = "\(c.file.metadata["model"] ?? "LSTM") \(expected)"
        var rng = RandomSource(seed: 1)
        let loss = try c.model.forwardBackward(batch, alpha: c.alpha, beta: c.beta, rng: &rng, dropout: .given(masks))
        let want = Double(try c.file.floats(expected + ".loss")[0])
        let wantRaw = Double(try c.file.floats(expected + ".raw_loss")[0])
        XCTAssertEqual(loss.total, want, accuracy: 1e-5 * abs(want), "\(name) loss", file: file, line: line)
        XCTAssertEqual(loss.crossEntropy, wantRaw, accuracy: 1e-5 * abs(wantRaw), "\(name) raw loss", file: file, line: line)

        let rows = batch.steps * batch.batchSize
        // expected.output is the dropped last-layer output: raw output times the locked mask.
        let raw = Array(c.model.lastLayerOutputs(rows: rows))
        let mask = masks.output!
        let out = raw.indices.map { raw[$0] * mask[$0 % mask.count] }
        XCTAssertLessThan(scaledMaxError(out, try c.file.floats(expected + ".output")), 1e-4, "\(name) output", file: file, line: line)
        try checkState(c, expected: expected, file: file, line: line)
        var checked = 0
        for e in c.model.layout.entries {
            let got = Array(c.model.gradient(e))
            let err = scaledMaxError(got, try c.file.floats("\(grad).\(e.name)"))
            XCTAssertLessThan(err, 1e-4, "\(name) \(grad) \(e.name)", file: file, line: line)
            checked += 1
        }
        let perLayer = c.model.config.model == .lstm ? 4 : 2
        XCTAssertEqual(checked, 2 + perLayer * c.model.config.nlayers + (c.model.config.splits.isEmpty ? 0 : 2))
    }

    /// Every carried tensor of every layer against `<expected>.hidden_out.{l}.{name}`.
    func checkState(_ c: ParityCase, expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (l, state) in c.model.hidden.enumerated() {
            for (n, t) in state.tensors {
                XCTAssertLessThan(scaledMaxError(t.toArray(), try c.file.floats("\(expected).hidden_out.\(l).\(n)")), 1e-4,
                                  "\(expected) state \(n)[\(l)]", file: file, line: line)
            }
        }
    }

    /// A QRNN fixture: the first window from a non-zero carried cell and previous
    /// input, then the second from the state the first one left (weight drop with
    /// the exported masks in the masked cases).
    func checkQRNN(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try ParityCase(name)
        XCTAssertEqual(c.model.config.model, .qrnn)
        try compare(c, batch: c.batch, masks: c.masks, expected: "expected", grad: "grad", file: file, line: line)
        let (batch2, masks2) = try c.secondWindow()
        try compare(c, batch: batch2, masks: masks2, expected: "expected2", grad: "grad2", file: file, line: line)
    }

    func testQRNNNoDropout() throws { try checkQRNN("qrnn_nodrop") }
    func testQRNNWithMasks() throws { try checkQRNN("qrnn_masks") }
    func testQRNNTwoLayers() throws { try checkQRNN("qrnn_two_layers") }

    /// Evaluation carries the QRNN's cell and previous input across windows too.
    func testQRNNEvaluateCarriesState() throws {
        let c = try ParityCase("qrnn_nodrop")
        let (batch2, _) = try c.secondWindow()
        for (batch, expected) in [(c.batch, "expected"), (batch2, "expected2")] {
            let want = Double(try c.file.floats(expected + ".raw_loss")[0])
            XCTAssertEqual(try c.model.evaluate(batch), want, accuracy: 1e-5 * want, expected)
            try checkState(c, expected: expected)
        }
    }

    func testTinyNoDropout() throws { try check("tiny_nodrop") }
    func testTinyWithMasks() throws { try check("tiny_masks") }
    func testSmallWithMasks() throws { try check("small_masks") }
    func testSingleLayer() throws { try check("single_layer_eval") }
    /// The split cross-entropy: three tail clusters, targets in each, random tail parameters.
    func testSplitCrossEntropyWithMasks() throws { try check("split_masks") }

    /// The split criterion's log-probabilities of every word, from the fixture's
    /// decoder input, against PyTorch; each row sums to 1 over the vocabulary.
    func testSplitLogProbabilities() throws {
        let c = try ParityCase("split_masks")
        let v = c.model.config.vocabSize, rows = c.batch.steps * c.batch.batchSize
        let out = try c.file.floats("expected.output")
        var got = [Float](repeating: 0, count: rows * v)
        out.withUnsafeBufferPointer { o in
            got.withUnsafeMutableBufferPointer { g in
                c.model.criterion.logProbabilities(o.baseAddress!, rows: rows, weights: c.model.weights.pointer,
                                                   into: g.baseAddress!)
            }
        }
        XCTAssertLessThan(scaledMaxError(got, try c.file.floats("expected.logprob")), 1e-5)
        for r in 0..<rows {
            let sum = (0..<v).reduce(0.0) { $0 + exp(Double(got[r * v + $1])) }
            XCTAssertEqual(sum, 1, accuracy: 1e-5, "row \(r)")
        }
    }

    /// In evaluation the split model's distribution sums to 1 at every position,
    /// and `evaluate`'s loss (the restricted computation) is its mean −log p(target).
    func testSplitEvaluationIsANormalisedDistribution() throws {
        let c = try ParityCase("split_masks")
        let v = c.model.config.vocabSize, rows = c.batch.steps * c.batch.batchSize
        let saved = c.model.hidden.map { $0.tensors.map { $0.buffer.toArray() } }
        let logp = try c.model.logProbabilities(c.batch)
        var expected = 0.0
        for r in 0..<rows {
            let sum = (0..<v).reduce(0.0) { $0 + exp(Double(logp[r * v + $1])) }
            XCTAssertEqual(sum, 1, accuracy: 1e-5, "row \(r)")
            expected -= Double(logp[r * v + Int(c.batch.targets[r])])
        }
        for (l, s) in c.model.hidden.enumerated() {
            for (k, t) in s.tensors.enumerated() { t.buffer.pointer.update(from: saved[l][k], count: t.buffer.count) }
        }
        var rowLosses = [Double](repeating: 0, count: rows)
        let loss = try rowLosses.withUnsafeMutableBufferPointer { try c.model.evaluate(c.batch, rowLosses: $0.baseAddress!) }
        XCTAssertEqual(loss, expected / Double(rows), accuracy: 1e-5 * loss)
        for r in 0..<rows {
            XCTAssertEqual(rowLosses[r], -Double(logp[r * v + Int(c.batch.targets[r])]), accuracy: 1e-4)
        }
    }

    /// Evaluation mode (no dropout, no AR/TAR) gives the fixture's cross-entropy.
    func testEvaluateMatchesRawLoss() throws {
        let c = try ParityCase("single_layer_eval")
        let loss = try c.model.evaluate(c.batch)
        let expected = Double(try c.file.floats("expected.raw_loss")[0])
        XCTAssertEqual(loss, expected, accuracy: 1e-5 * expected)
        for l in 0..<c.model.config.nlayers {
            XCTAssertLessThan(scaledMaxError(c.model.hidden[l].tensor("h")!.toArray(), try c.file.floats("expected.hidden_out.\(l).h")), 1e-4)
        }
    }
}
