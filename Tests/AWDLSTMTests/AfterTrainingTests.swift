import Foundation
import XCTest
@testable import AWDLSTM

/// Fine-tuning, the cache pointer, dynamic evaluation and generation on a small
/// trained model.
final class AfterTrainingTests: XCTestCase {
    /// Training text where each word is usually followed by a fixed successor
    /// (so the model learns to carry the current word in its state); a test text
    /// that repeats one 30-word phrase with other successors, which only a model
    /// that adapts to recent text can exploit.
    static func corpus() -> Corpus {
        var rng = RandomSource(seed: 17)
        var v = Vocabulary()
        for i in 0..<40 { v.add("w\(i)") }
        let successor = (0..<40).map { Int32(($0 * 7 + 3) % 40) }
        func text(_ n: Int) -> [Int32] {
            var t: [Int32] = [0]
            while t.count < n { t.append(rng.uniform() < 0.8 ? successor[Int(t.last!)] : Int32(rng.next() % 40)) }
            return t
        }
        let train = text(6000), valid = text(800)
        let phrase = (0..<30).map { _ in Int32(rng.next() % 40) }
        let test = (0..<40).flatMap { _ in phrase }
        return Corpus(vocabulary: v, train: train, valid: valid, test: test)
    }

    static func trainedRun(_ dir: TemporaryFolder, model kind: RNNType = .lstm) throws -> (RunFolder, Corpus) {
        let corpus = corpus()
        var o = TrainingOptions()
        (o.batchSize, o.bptt, o.epochs, o.maxBatches, o.lr, o.evalBatchSize, o.logInterval) = (8, 10, 2, 60, 0.01, 4, 1000)
        o.optimizer = .adam
        var rng = RandomSource(seed: 3)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 40, model: kind, emsize: 16, nhid: 24, nlayers: 2, dropout: 0.1,
                                                     dropouth: 0.1, dropouti: 0.1, dropoute: 0, wdrop: 0.1), rng: &rng)
        let trainer = try Trainer(model: model, corpus: corpus, options: o, folder: RunFolder(dir.url), dataPath: "synthetic")
        trainer.testAtEnd = false
        _ = try trainer.run()
        return (RunFolder(dir.url), corpus)
    }

    /// The LSTM run that every test but the QRNN's reads, trained once for the class.
    static let trained = SharedFixture { () throws -> (TemporaryFolder, RunFolder, Corpus) in
        let dir = try TemporaryFolder()
        let (folder, corpus) = try trainedRun(dir)
        return (dir, folder, corpus)
    }

    override class func tearDown() { trained.reset() }

    /// The shared trained run (not to be written: see `testFinetuning…`, which copies it).
    func trainedLSTM() throws -> (RunFolder, Corpus) {
        let (_, folder, corpus) = try Self.trained.get()
        return (folder, corpus)
    }

    func testPointerWithoutCacheEqualsEvaluation() throws {
        let (folder, corpus) = try trainedLSTM()
        let (model, _, _) = try folder.loadModel()
        let plain = try Evaluator.loss(model: model, data: BatchedTokens(corpus.test, batchSize: 1), bptt: 70)
        let pointer = try CachePointer(lambda: 0, theta: 1, window: 50, bptt: 333).loss(model: model, tokens: corpus.test)
        XCTAssertEqual(pointer, plain, accuracy: 1e-6)
    }

    /// A trained QRNN through the same paths: windows of any length give the same
    /// evaluation (the carried cell and previous input join them), the pointer
    /// without its cache and dynamic evaluation without updates are plain
    /// evaluation, and generation is repeatable.
    func testQRNNAfterTraining() throws {
        let dir = try TemporaryFolder()
        let (folder, corpus) = try Self.trainedRun(dir, model: .qrnn)
        let (model, config, _) = try folder.loadModel()
        XCTAssertEqual(config.model.model, .qrnn)
        let data = try BatchedTokens(corpus.test, batchSize: 1)
        let plain = try Evaluator.loss(model: model, data: data, bptt: 70)
        XCTAssertEqual(try Evaluator.loss(model: model, data: data, bptt: 13), plain, accuracy: 1e-5)
        XCTAssertEqual(try CachePointer(lambda: 0, theta: 1, window: 50, bptt: 333).loss(model: model, tokens: corpus.test),
                       plain, accuracy: 1e-5)
        var dyn = DynamicEvaluation()
        (dyn.lr, dyn.lambda, dyn.statsBatchSize, dyn.bptt) = (0, 0, 10, 70)
        let ms = try dyn.gradientStatistics(model: model, train: corpus.train)
        // Dynamic evaluation divides by the scored tokens (rows − 1), evaluate by all rows.
        XCTAssertEqual(try dyn.loss(model: model, tokens: corpus.test, ms: ms),
                       plain * Double(data.rows) / Double(data.rows - 1), accuracy: 1e-5)
        let a = try Generator(temperature: 0.8, seed: 5).sample(model: model, prompt: [1, 2, 3], count: 50)
        XCTAssertEqual(a, try Generator(temperature: 0.8, seed: 5).sample(model: model, prompt: [1, 2, 3], count: 50))
    }

    func testPointerAndDynamicEvaluationExploitRepetition() throws {
        let (folder, corpus) = try trainedLSTM()
        let (model, _, _) = try folder.loadModel()
        let plain = try exp(Evaluator.loss(model: model, data: BatchedTokens(corpus.test, batchSize: 1), bptt: 70))
        let pointer = try exp(CachePointer(lambda: 0.9, theta: 5, window: 100, bptt: 200).loss(model: model, tokens: corpus.test))
        var dyn = DynamicEvaluation()
        (dyn.lr, dyn.lambda, dyn.statsBatchSize) = (0.002, 0.002, 10)
        let ms = try dyn.gradientStatistics(model: model, train: corpus.train)
        let dynamic = try exp(dyn.loss(model: model, tokens: corpus.test, ms: ms))
        print("repeated text: plain ppl \(plain), pointer \(pointer), dynamic \(dynamic)")
        XCTAssertGreaterThan(plain, 40, "the phrase contradicts what the model learned")
        XCTAssertLessThan(pointer, plain / 3)
        XCTAssertLessThan(dynamic, plain / 3)
    }

    func testDynamicEvaluationWithZeroLearningRateIsPlainEvaluation() throws {
        let (folder, corpus) = try trainedLSTM()
        let (model, _, _) = try folder.loadModel()
        let before = model.weights.toArray()
        let data = try BatchedTokens(corpus.valid, batchSize: 1)
        // evaluate divides by all rows, dynamic evaluation by the scored tokens (rows − 1).
        let plain = try Evaluator.loss(model: model, data: data, bptt: 5) * Double(data.rows) / Double(data.rows - 1)
        var dyn = DynamicEvaluation()
        (dyn.lr, dyn.lambda, dyn.statsBatchSize, dyn.maxStatsBatches) = (0, 0.02, 10, 20)
        let ms = try dyn.gradientStatistics(model: model, train: corpus.train)
        XCTAssertEqual(try dyn.loss(model: model, tokens: corpus.valid, ms: ms), plain, accuracy: 1e-6)
        dyn.lr = 0.01
        _ = try dyn.loss(model: model, tokens: corpus.valid, ms: ms)
        XCTAssertEqual(model.weights.toArray(), before, "dynamic evaluation restores the trained weights")
    }

    func testGenerationIsDeterministicAndUsesTheVocabulary() throws {
        let (folder, _) = try trainedLSTM()
        let (model, _, vocabulary) = try folder.loadModel()
        let g = Generator(temperature: 0.8, seed: 5)
        let a = try g.sample(model: model, prompt: [1, 2, 3], count: 200)
        let b = try g.sample(model: model, prompt: [1, 2, 3], count: 200)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, try Generator(temperature: 0.8, seed: 6).sample(model: model, prompt: [1, 2, 3], count: 200))
        XCTAssertTrue(a.allSatisfy { $0 >= 0 && Int($0) < vocabulary.count })
        XCTAssertGreaterThan(Set(a).count, 5)
        let text = try Generator.text(a, vocabulary: vocabulary)
        XCTAssertTrue(text.split(whereSeparator: \.isWhitespace).allSatisfy { vocabulary.id(String($0)) != nil })
        XCTAssertThrowsError(try Generator.encode("w1 nonsense", vocabulary: vocabulary)) {
            XCTAssertTrue("\($0)".contains("'nonsense'"))
        }
        var withUnk = vocabulary
        withUnk.add("<unk>")
        XCTAssertEqual(try Generator.encode("w1 nonsense", vocabulary: withUnk).ids, [1, 40])
    }

    func testFinetuningNeverRaisesTheSavedValidationLoss() throws {
        let dir = try TemporaryFolder()
        let (shared, corpus) = try trainedLSTM()
        let folder = RunFolder(try dir.copy(shared.url, as: "run"))
        let (model, config, _) = try folder.loadModel()
        let valid = try BatchedTokens(corpus.valid, batchSize: 4)
        let before = try Evaluator.loss(model: model, data: valid, bptt: 10)
        let pre = try Data(contentsOf: folder.model)
        var options = config.training
        options.epochs = 4
        options.lr = 30  // deliberately harsh: the saved model must still not get worse
        let trainer = try Trainer(finetuning: folder, model: model, corpus: corpus, options: options)
        trainer.testAtEnd = false
        _ = try trainer.run()
        let (after, _, _) = try folder.loadModel()
        XCTAssertLessThanOrEqual(try Evaluator.loss(model: after, data: valid, bptt: 10), before + 1e-12)
        XCTAssertEqual(try Data(contentsOf: folder.url.appendingPathComponent("model.pre-finetune.safetensors")), pre)
        let epochs = try MetricsLog.read(folder.metrics).filter { $0.kind == "epoch" }
        XCTAssertGreaterThan(epochs.count, 2, "training epochs and fine-tuning epochs are both logged")
        XCTAssertTrue(epochs.suffix(2).allSatisfy { $0.averaging == true && $0.phase == "finetune" })
        XCTAssertEqual(epochs.map(\.epoch), Array(1...epochs.count), "fine-tuning epochs follow the training epochs")
    }
}
