import XCTest
@testable import AWDLSTM

/// The paper's regularisers (Merity et al. 2017, §4), one test each, through
/// training passes with explicit masks (`DropoutMode.given`): weight drop
/// (DropConnect on W_hh), locked dropout, embedding dropout, and AR/TAR.
final class RegularizationTests: XCTestCase {
    let steps = 6, batch = 2
    let p: Float = 0.5
    var keep: Float { 1 / (1 - p) }

    /// A small LSTM; no probabilities are used since every pass is given its masks.
    func makeModel() throws -> AWDLSTMModel {
        var rng = RandomSource(seed: 5)
        return try AWDLSTMModel(config: ModelConfig(vocabSize: 10, emsize: 4, nhid: 5, nlayers: 2), rng: &rng)
    }

    /// Column 0 reads only words 1 and 2, column 1 only words 3 and 4 (time-major).
    var tokens: TokenBatch {
        var inputs: [Int32] = [], targets: [Int32] = []
        for t in 0..<steps {
            let odd = Int32(t % 2)
            inputs += [1 + odd, 3 + odd]
            targets += [2 - odd, 4 - odd]
        }
        return TokenBatch(inputs: inputs, targets: targets, steps: steps, batchSize: batch)
    }

    /// One training pass from a zero state with `masks`; returns the loss and the
    /// last layer's raw outputs `[T·B, E]`.
    func pass(_ model: AWDLSTMModel, _ masks: DropoutMasks, alpha: Float = 0, beta: Float = 0) throws -> (LossBreakdown, [Float]) {
        model.resetHidden(batchSize: batch)
        var rng = RandomSource(seed: 0)
        let loss = try model.forwardBackward(tokens, alpha: alpha, beta: beta, rng: &rng, dropout: .given(masks))
        return (loss, Array(model.lastLayerOutputs(rows: steps * batch)))
    }

    func entry(_ model: AWDLSTMModel, _ name: String) throws -> ParameterLayout.Entry {
        try XCTUnwrap(model.layout.entry(named: name))
    }

    /// Rows `[T·B, E]` of column `b`.
    func column(_ outputs: [Float], _ b: Int, width: Int) -> [Float] {
        var rows: [Float] = []
        for t in 0..<steps {
            let start = (t * batch + b) * width
            rows += outputs[start..<(start + width)]
        }
        return rows
    }

    /// The authors' `WeightDrop`: the pass uses `raw · bernoulli / (1 − p)` while
    /// the raw weights stay as they were; the gradient reaches the raw weights through the mask.
    func testWeightDropUsesRawTimesMaskAndLeavesRawWeightsUntouched() throws {
        let model = try makeModel()
        let whh = try entry(model, "rnns.0.module.weight_hh_l0_raw")
        var rng = RandomSource(seed: 11)
        let bernoulli = (0..<whh.count).map { _ in Float(rng.next() % 2) }
        XCTAssertTrue(bernoulli.contains(0) && bernoulli.contains(1))
        let before = model.weights.toArray()
        let (dropped, droppedOut) = try pass(model, DropoutMasks(weightDrop: [bernoulli.map { $0 * keep }]))
        XCTAssertEqual(model.weights.toArray(), before, "weight drop changed the raw weights")
        let gradRaw = Array(model.gradient(whh))

        // The same pass without weight drop on a copy whose W_hh is raw · bernoulli / (1 − p).
        let reference = try makeModel()
        let raw = Array(reference.parameter(whh))
        for i in 0..<whh.count { reference.parameter(whh)[i] = raw[i] * bernoulli[i] / (1 - p) }
        let (plain, plainOut) = try pass(reference, DropoutMasks())
        XCTAssertEqual(dropped.crossEntropy, plain.crossEntropy, accuracy: 1e-6 * plain.crossEntropy)
        XCTAssertLessThan(scaledMaxError(droppedOut, plainOut), 1e-6)
        // d/dW_raw = d/dW_dropped · mask: zero where dropped, the scaled gradient elsewhere.
        let gradDropped = Array(reference.gradient(whh))
        let expected = (0..<whh.count).map { gradDropped[$0] * bernoulli[$0] * keep }
        XCTAssertLessThan(scaledMaxError(gradRaw, expected), 1e-5)
        XCTAssertTrue(gradRaw.indices.allSatisfy { bernoulli[$0] != 0 || gradRaw[$0] == 0 })
    }

    /// Locked dropout on the input (`dropouti`): one `[B, E]` mask for every time
    /// step, per batch column. A unit dropped for a column is dropped at every
    /// step, so changing the embeddings at that unit cannot reach that column's outputs.
    func testLockedDropoutMaskIsSharedAcrossTimeSteps() throws {
        let e = 4, h = 4
        // Column 0 keeps units 1 and 3, column 1 keeps units 0, 2 and 3.
        let mask: [Float] = [0, keep, 0, keep, keep, 0, keep, keep]
        let model = try makeModel()
        let (_, out) = try pass(model, DropoutMasks(input: mask))
        let encoder = try entry(model, "encoder.weight")
        func perturbed(words: [Int], unit: Int) throws -> [Float] {
            let m = try makeModel()
            for w in words { m.parameter(encoder)[w * e + unit] += 0.5 }
            return try pass(m, DropoutMasks(input: mask)).1
        }
        // Units dropped for column 0 (0 and 2) at its words 1 and 2: its outputs at every step are unchanged.
        for unit in [0, 2] {
            XCTAssertEqual(column(try perturbed(words: [1, 2], unit: unit), 0, width: h), column(out, 0, width: h))
        }
        // Unit 1 is dropped for column 1 only: its words 3 and 4 do not reach it there ...
        XCTAssertEqual(column(try perturbed(words: [3, 4], unit: 1), 1, width: h), column(out, 1, width: h))
        // ... while a kept unit changes the output at every step (the test can fail).
        let changed = column(try perturbed(words: [1, 2], unit: 1), 0, width: h)
        for t in 0..<steps {
            XCTAssertNotEqual(Array(changed[(t * h)..<((t + 1) * h)]), Array(column(out, 0, width: h)[(t * h)..<((t + 1) * h)]),
                              "kept unit at step \(t)")
        }
    }

    /// Embedding dropout (`dropoute`): whole rows of the embedding, i.e. whole
    /// word vectors, are zeroed wherever the word occurs, and kept rows are
    /// scaled by 1/(1 − p).
    func testEmbeddingDropoutDropsWholeWordVectors() throws {
        var rowMask = [Float](repeating: keep, count: 10)
        rowMask[2] = 0
        rowMask[3] = 0
        let model = try makeModel()
        let (_, out) = try pass(model, DropoutMasks(embedding: rowMask))

        // The same outputs from a model without dropout whose rows are scaled
        // (kept words) or zeroed (dropped words 2 and 3, in both columns).
        let reference = try makeModel()
        let encoder = try entry(reference, "encoder.weight")
        for i in 0..<encoder.count { reference.parameter(encoder)[i] *= rowMask[i / 4] }
        XCTAssertEqual(try pass(reference, DropoutMasks()).1, out)

        // Nothing of a dropped row reaches the outputs, at any position.
        let changed = try makeModel()
        for j in 0..<4 { changed.parameter(encoder)[2 * 4 + j] += 1 }
        XCTAssertEqual(try pass(changed, DropoutMasks(embedding: rowMask)).1, out)
        // A kept row does (the test can fail).
        for j in 0..<4 { changed.parameter(encoder)[1 * 4 + j] += 1 }
        XCTAssertNotEqual(try pass(changed, DropoutMasks(embedding: rowMask)).1, out)
    }

    /// AR = α · mean((m ⊙ h)²) over the dropped last-layer output (the output
    /// mask `[B, E]` broadcast over time) and TAR = β · mean((h_{t+1} − h_t)²) over
    /// the raw output, computed by hand from the raw outputs.
    func testActivationRegularizersMatchAHandComputation() throws {
        let e = 4
        let outputMask: [Float] = [keep, 0, keep, keep, 0, keep, keep, 0]
        let model = try makeModel()
        let (loss, raw) = try pass(model, DropoutMasks(output: outputMask), alpha: 2, beta: 1)
        var ar = 0.0, tar = 0.0
        for r in 0..<(steps * batch) {
            for j in 0..<e {
                let dropped = Double(raw[r * e + j] * outputMask[(r % batch) * e + j])
                ar += dropped * dropped
                if r >= batch {
                    let d = Double(raw[r * e + j]) - Double(raw[(r - batch) * e + j])
                    tar += d * d
                }
            }
        }
        ar = 2 * ar / Double(steps * batch * e)
        tar = 1 * tar / Double((steps - 1) * batch * e)
        XCTAssertGreaterThan(ar, 0)
        XCTAssertGreaterThan(tar, 0)
        XCTAssertEqual(loss.activation, ar, accuracy: 1e-6 * ar)
        XCTAssertEqual(loss.temporalActivation, tar, accuracy: 1e-6 * tar)
        XCTAssertEqual(loss.total, loss.crossEntropy + ar + tar, accuracy: 1e-6 * loss.total)
    }
}
