import Foundation
import XCTest
@testable import AWDLSTM

/// The text classifier, fastai's Adam and the one-cycle schedule against fastai
/// 2.8 (`scripts/reference/make_ulmfit_fixtures.py`, `Tests/Fixtures/ulmfit/`):
/// a classifier of V=24, E=6, H=10, 3 layers, head [18, 5, 3], bptt 4 and
/// max_len 12 on a batch of six documents (several windows, a document longer
/// than max_len, chunked padding, a one-token document) and on a second batch
/// where fastai's `real_bs` rule feeds padding rows and skips real ones.
final class ULMFiTParityTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ulmfit")

    func fixture(_ name: String) throws -> SafeTensors { try SafeTensors(contentsOf: Self.folder.appendingPathComponent(name)) }
    func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent(name))) as! [String: Any]
    }

    /// fastai's model as the fixture holds it (`drop_mult` 0.5: head dropouts 0.2 and 0.1).
    func makeClassifier(alpha: Float = 0, beta: Float = 0) throws -> TextClassifier {
        var config = ClassifierConfig(vocabSize: 24, classes: ["0", "1", "2"], emsize: 6, nhid: 10, nlayers: 3,
                                      dropMult: 0.5, bptt: 4, maxLength: 12, linearFeatures: [5], paddingIndex: 1)
        config.alpha = alpha
        config.beta = beta
        var rng = RandomSource(seed: 1)
        let classifier = try TextClassifier(config: config, rng: &rng)
        try ClassifierWeights.load(try fixture("classifier.safetensors"), into: classifier)
        return classifier
    }

    func batch(_ file: SafeTensors, _ prefix: String) throws -> PaddedDocuments {
        let info = try XCTUnwrap(file.info(prefix + "input"))
        return PaddedDocuments(tokens: try file.floats(prefix + "input").map { Int32($0) }, batchSize: info.shape[0], length: info.shape[1])
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): max |difference| \(worst)", file: file, line: line)
    }

    /// Chunked padding of the sorted documents gives fastai's batch.
    func testPaddingMatchesFastaisCollation() throws {
        let main = try XCTUnwrap(json("classifier.json")["main"] as? [String: Any])
        let documents = try XCTUnwrap(main["documents"] as? [[Int]]).map { $0.map(Int32.init) }
        var none: RandomSource? = nil
        let order = try XCTUnwrap(SortedBatches.batches(lengths: documents.map(\.count), batchSize: 64, shuffle: &none).first)
        XCTAssertEqual(order, try XCTUnwrap(main["sorted_order"] as? [Int]))
        let padded = PaddedDocuments(order.map { documents[$0] }, bptt: 4, paddingIndex: 1)
        XCTAssertEqual(padded, try batch(try fixture("classifier.safetensors"), ""))
    }

    /// Evaluation: the encoder's kept outputs and mask, the pooled vectors and the logits to 1e-5.
    func testEvaluationForwardMatchesFastai() throws {
        let file = try fixture("classifier.safetensors")
        for prefix in ["", "quirk."] {
            let classifier = try makeClassifier()
            let docs = try batch(file, prefix)
            var rng = RandomSource(seed: 0)
            let encoded = try classifier.sentenceEncoder.forward(classifier.encoder, tokens: docs.tokens, batchSize: docs.batchSize,
                                                                 length: docs.length, dropout: nil, rng: &rng)
            assertClose(encoded.outputs, try file.floats(prefix + "eval.outputs"), 1e-5, prefix + "outputs")
            XCTAssertEqual(encoded.mask, try file.floats(prefix + "eval.mask").map { $0 != 0 }, prefix + "mask")
            let pooled = MaskedConcatPool.forward(outputs: encoded.outputs, mask: encoded.mask, batchSize: docs.batchSize,
                                                  length: encoded.keptLength, features: 6, bptt: 4)
            assertClose(pooled.pooled, try file.floats(prefix + "eval.pooled"), 1e-5, prefix + "pooled")
            assertClose(try classifier.logits(docs), try file.floats(prefix + "eval.logits"), 1e-5, prefix + "logits")
        }
    }

    /// A training pass without dropout (batch statistics): logits and loss to 1e-5,
    /// every gradient to 1e-4, and the batch norms' running statistics; with AR 2
    /// and TAR 1 as fastai's `TextLearner` adds them, the total and its gradients.
    func testTrainingPassMatchesFastai() throws {
        let file = try fixture("classifier.safetensors")
        let docs = try batch(file, "")
        let labels = try file.floats("labels").map { Int($0) }
        for regularized in [false, true] {
            let classifier = try makeClassifier(alpha: regularized ? 2 : 0, beta: regularized ? 1 : 0)
            var rng = RandomSource(seed: 0)
            let loss = try classifier.trainingPass(docs, labels: labels, dropout: .off, rng: &rng)
            let prefix = regularized ? "reg." : ""
            if regularized {
                let total = loss.crossEntropy + loss.activation + loss.temporalActivation
                XCTAssertEqual(total, Double(try file.floats("reg.loss")[0]), accuracy: 1e-5)
                XCTAssertEqual(loss.activation, 2 * Double(try file.floats("reg.ar")[0]), accuracy: 1e-6)
                XCTAssertEqual(loss.temporalActivation, Double(try file.floats("reg.tar")[0]), accuracy: 1e-6)
            } else {
                XCTAssertEqual(loss.crossEntropy, Double(try file.floats("train.loss")[0]), accuracy: 1e-5)
                assertClose(loss.logits, try file.floats("train.logits"), 1e-5, "train logits")
                for k in 0..<2 {
                    assertClose(classifier.head.runningMean[k], try file.floats("train.1.layers.\(k).0.running_mean"), 1e-5, "running mean \(k)")
                    assertClose(classifier.head.runningVariance[k], try file.floats("train.1.layers.\(k).0.running_var"), 1e-5, "running var \(k)")
                }
            }
            for p in ClassifierWeights.parameters(classifier) {
                let ours = Array(UnsafeBufferPointer(start: p.gradients.pointer + p.offset, count: p.count))
                assertClose(ours, try file.floats(prefix + "grad." + p.name), 1e-4, prefix + "grad." + p.name)
            }
        }
    }

    /// Three steps of fastai's Adam over the five parameter groups with
    /// discriminative rates and a momentum that changes between steps, to 1e-5.
    func testAdamStepsMatchFastai() throws {
        let file = try fixture("optimizer.safetensors")
        let hypers = try XCTUnwrap(json("optimizer.json")["hypers_per_step"] as? [[[String: Double]]])
        let classifier = try makeClassifier()
        let parameters = ClassifierWeights.parameters(classifier)
        for p in parameters {
            let values = try file.floats("step0.param." + p.name)
            values.withUnsafeBufferPointer { (p.weights.pointer + p.offset).update(from: $0.baseAddress!, count: p.count) }
        }
        let adam = FastaiAdam(groups: classifier.parameterGroups())
        XCTAssertEqual(adam.groups.count, 5)
        for (k, groups) in hypers.enumerated() {
            for p in parameters {
                let g = try file.floats("step\(k + 1).grad." + p.name)
                g.withUnsafeBufferPointer { (p.gradients.pointer + p.offset).update(from: $0.baseAddress!, count: p.count) }
            }
            adam.step(lr: groups.map { $0["lr"]! }, mom: groups[0]["mom"]!, trainable: Array(repeating: true, count: 5))
            for p in parameters {
                let ours = Array(UnsafeBufferPointer(start: p.weights.pointer + p.offset, count: p.count))
                assertClose(ours, try file.floats("step\(k + 1).param." + p.name), 1e-5, "step \(k + 1) \(p.name)")
            }
        }
    }

    /// `fit_one_cycle(2, slice(1e-2/2.6**4, 1e-2), moms=(0.8, 0.7, 0.8))` over 14
    /// steps: every group's learning rate and the momentum at every step, and which
    /// groups `freeze_to(-1)` and `freeze_to(-2)` leave trainable.
    func testOneCycleScheduleMatchesFastai() throws {
        let schedule = try json("schedule.json")
        let variants = try XCTUnwrap(schedule["variants"] as? [String: [String: Any]])
        let rates = OneCycleSchedule.discriminativeRates(lo: 1e-2 / Foundation.pow(2.6, 4), hi: 1e-2, groups: 5)
        for (name, variant) in variants {
            let lrMax = try XCTUnwrap(variant["lr_max"] as? [Double])
            for (a, b) in zip(rates, lrMax) { XCTAssertEqual(a, b, accuracy: 1e-12 * b, name) }
            let cycle = OneCycleSchedule(lrMax: rates)
            let steps = try XCTUnwrap(variant["steps"] as? [[String: Any]])
            XCTAssertEqual(steps.count, 14)
            let classifier = try makeClassifier()
            let trainer = ClassifierTrainer(classifier: classifier, seed: 0)
            trainer.freezeTo(variant["freeze_to"] as? Int ?? 0)
            for (i, step) in steps.enumerated() {
                let (lr, mom) = cycle.values(at: OneCycleSchedule.position(step: i, total: steps.count))
                for (a, b) in zip(lr, try XCTUnwrap(step["lr"] as? [Double])) { XCTAssertEqual(a, b, accuracy: 1e-7 * b, "\(name) step \(i)") }
                XCTAssertEqual(mom, try XCTUnwrap((step["mom"] as? [Double])?.first), accuracy: 1e-7, "\(name) step \(i)")
                let trainable = (0..<5).map { $0 >= trainer.frozenGroups }
                XCTAssertEqual(trainable, try XCTUnwrap(step["stepped"] as? [Bool]), "\(name) step \(i)")
            }
        }
    }

    /// A classifier saved here reads back with the same logits, under fastai's names.
    func testSaveAndLoadRoundTrip() throws {
        let classifier = try makeClassifier()
        let dir = try TemporaryFolder()
        let run = ClassifierRun(classifier: classifier, vocabulary: try Vocabulary(words: (0..<24).map { "w\($0)" }), tokenizer: .fastai)
        try run.save(to: dir.url)
        let loaded = try ClassifierRun(folder: dir.url)
        let docs = try batch(try fixture("classifier.safetensors"), "")
        XCTAssertEqual(try loaded.classifier.logits(docs), try classifier.logits(docs))
        let names = Set(try SafeTensors(contentsOf: dir.url.appendingPathComponent("model.safetensors")).tensors.map(\.name))
        let fastaiNames = Set(try XCTUnwrap(json("classifier.json")["state_dict_names"] as? [String]))
        XCTAssertEqual(names, fastaiNames)
    }
}
