import Foundation
import XCTest
@testable import AWDLSTM

final class TrainerTests: XCTestCase {
    func smallOptions(epochs: Int = 3) -> TrainingOptions {
        var o = TrainingOptions()
        o.batchSize = 4
        o.bptt = 12
        o.lr = 5
        o.epochs = epochs
        o.maxBatches = 7
        o.logInterval = 3
        o.nonmono = 1
        o.seed = 3
        o.evalBatchSize = 5
        return o
    }

    func smallModel(_ corpus: Corpus, seed: UInt64, model: RNNType = .lstm) throws -> AWDLSTMModel {
        var rng = RandomSource(seed: seed)
        return try AWDLSTMModel(config: ModelConfig(vocabSize: corpus.vocabulary.count, model: model, emsize: 8, nhid: 12, nlayers: 3),
                            rng: &rng)
    }

    /// A new run of `smallModel(corpus, seed:model:)` in `dir`.
    func newTrainer(_ corpus: Corpus, _ options: TrainingOptions, seed: UInt64, model: RNNType = .lstm,
                    in dir: TemporaryFolder) throws -> Trainer {
        try Trainer(model: smallModel(corpus, seed: seed, model: model), corpus: corpus, options: options,
                    folder: RunFolder(dir.url), dataPath: "synthetic")
    }

    /// The synthetic corpus with validation text of another pattern: its loss
    /// rises as training fits the training pattern, so the non-monotone trigger
    /// fires mid-run and training switches to averaged SGD.
    func risingValidationCorpus() -> Corpus {
        let base = syntheticCorpus()
        return Corpus(vocabulary: base.vocabulary, train: base.train,
                      valid: (0..<600).map { Int32(($0 * 11 + 5) % 30) }, test: base.test)
    }

    /// Stopping mid-epoch and resuming from the saved state ends with weights
    /// bit-identical to a run that was never interrupted — including the
    /// optimiser switch to averaged SGD, the hidden state and the generator.
    func testResumeIsBitIdentical() throws { try checkResumeIsBitIdentical(.lstm) }

    /// The same for the QRNN, whose carried cell and previous input are saved mid-epoch.
    func testQRNNResumeIsBitIdentical() throws { try checkResumeIsBitIdentical(.qrnn) }

    func checkResumeIsBitIdentical(_ kind: RNNType) throws {
        let corpus = risingValidationCorpus()
        let options = smallOptions(epochs: 4)

        let a = try TemporaryFolder()
        let straight = try newTrainer(corpus, options, seed: 1, model: kind, in: a)
        straight.testAtEnd = false
        _ = try straight.run()
        let reference = straight.model.weights.toArray()
        let referenceBest = try Data(contentsOf: RunFolder(a.url).model)

        for stopAfter in [4, 10, 25] {  // mid-epoch 1 and 2, and mid-epoch 4 (averaging)
            let b = try TemporaryFolder()
            let first = try newTrainer(corpus, options, seed: 1, model: kind, in: b)
            var batches = 0
            first.shouldStop = { batches += 1; return batches == stopAfter ? .interrupted : nil }
            first.testAtEnd = false
            XCTAssertTrue(try first.run().interrupted)

            let resumed = try Trainer(resuming: RunFolder(b.url), model: smallModel(corpus, seed: 99, model: kind),
                                      corpus: corpus, options: options)
            resumed.testAtEnd = false
            XCTAssertFalse(try resumed.run().interrupted)
            XCTAssertEqual(resumed.model.weights.toArray().map(\.bitPattern), reference.map(\.bitPattern),
                           "stopped after \(stopAfter) batches")
            XCTAssertEqual(try Data(contentsOf: RunFolder(b.url).model), referenceBest)
            let records = try MetricsLog.read(RunFolder(b.url).metrics)
            XCTAssertEqual(records.filter { $0.kind == "epoch" }.map(\.epoch), [1, 2, 3, 4])
        }
        let records = try MetricsLog.read(RunFolder(a.url).metrics)
        XCTAssertEqual(records.filter { $0.kind == "log" }.count, 8, "two log lines per 7-batch epoch")
        XCTAssertTrue(records.contains { $0.kind == "log" && $0.averaging == true }, "the run must reach averaged SGD")
    }

    /// The saved model is the averaged one once NT-ASGD has switched, and the
    /// best validation loss never rises.
    func testRunFolderContents() throws {
        let corpus = syntheticCorpus()
        let options = smallOptions(epochs: 4)
        let dir = try TemporaryFolder()
        let trainer = try newTrainer(corpus, options, seed: 2, in: dir)
        let summary = try trainer.run()
        let folder = RunFolder(dir.url)
        let (model, config, vocabulary) = try folder.loadModel()
        XCTAssertEqual(config.training, options)
        XCTAssertEqual(vocabulary, corpus.vocabulary)
        // Re-evaluating the saved model gives the best validation loss that was logged.
        let valid = try Evaluator.loss(model: model, data: BatchedTokens(corpus.valid, batchSize: 5), bptt: 12)
        XCTAssertEqual(valid, summary.bestValid!.loss, accuracy: 1e-9)
        let epochs = try MetricsLog.read(folder.metrics).filter { $0.kind == "epoch" }
        XCTAssertEqual(epochs.count, 4)
        XCTAssertEqual(epochs.compactMap(\.valLoss).min()!, valid, accuracy: 1e-9)
        let test = try MetricsLog.read(folder.metrics).last!
        XCTAssertEqual(test.kind, "test")
        XCTAssertEqual(test.loss!, summary.test!.loss)
    }

    /// The summary's results carry the targets scored, as `Evaluator.evaluate`
    /// reports them; a resume that changes a setting the run keeps is refused
    /// before anything is read into the model or written.
    func testResultsCountScoredTokensAndResumeKeepsTheOptimisation() throws {
        let corpus = syntheticCorpus()
        let options = smallOptions(epochs: 1)
        let dir = try TemporaryFolder()
        let summary = try newTrainer(corpus, options, seed: 2, in: dir).run()
        let valid = try BatchedTokens(corpus.valid, batchSize: options.evalBatchSize)
        XCTAssertEqual(summary.bestValid?.scoredTokens, options.evalBatchSize * (valid.rows - 1))
        let test = try BatchedTokens(corpus.test, batchSize: options.testBatchSize)
        XCTAssertEqual(summary.test?.scoredTokens, options.testBatchSize * (test.rows - 1))

        let folder = RunFolder(dir.url)
        let config = try Data(contentsOf: folder.config)
        var changed = [options, options, options]
        changed[0].batchSize = 7
        changed[1].alpha = 9
        changed[2].optimizer = .adam
        for (o, field) in zip(changed, ["batchSize", "alpha", "optimizer"]) {
            XCTAssertThrowsError(try Trainer(resuming: folder, model: smallModel(corpus, seed: 5), corpus: corpus, options: o)) {
                XCTAssertEqual(($0 as? ConfigurationError)?.field, field)
            }
        }
        var limits = options
        (limits.epochs, limits.lr, limits.maxBatches) = (2, 1, 3)
        XCTAssertNoThrow(try Trainer(resuming: folder, model: smallModel(corpus, seed: 5), corpus: corpus, options: limits))
        XCTAssertEqual(try Data(contentsOf: folder.config), config)
    }

    /// The events tell the run as it happened: a batch event per batch with the
    /// epoch's length (at most --max-batches), a report every `logInterval`
    /// batches whose loss is the mean of its batches', a validation per epoch,
    /// saves exactly on improvements (averaged after the NT-ASGD switch), the
    /// checkpoints, and the test of the best model last.
    func testEventsDescribeTheRun() throws {
        let corpus = risingValidationCorpus()
        let options = smallOptions(epochs: 4)
        let dir = try TemporaryFolder()
        let trainer = try newTrainer(corpus, options, seed: 1, in: dir)
        var events: [TrainingEvent] = []
        trainer.onEvent = { events.append($0) }
        let summary = try trainer.run()

        var batchLosses: [Double] = [], reports: [Double] = [], best = Double.infinity, switched = false
        var validations = 0, checkpoints: [Int] = []
        for event in events {
            switch event {
            case let .batch(epoch, batch, batchesInEpoch, lr, _, loss):
                XCTAssertEqual(epoch, validations + 1)
                XCTAssertEqual(batch, batchLosses.count + 1)
                XCTAssertEqual(batchesInEpoch, 7, "--max-batches 7 of \(corpus.train.count / 4 / 12)")
                XCTAssertEqual(lr, options.lr)
                batchLosses.append(loss)
            case let .interval(epoch, batch, batchesInEpoch, _, _, loss):
                XCTAssertEqual(epoch, validations + 1)
                XCTAssertEqual(batch, batchLosses.count)
                XCTAssertEqual(batch % options.logInterval, 0)
                XCTAssertEqual(batchesInEpoch, 7)
                let interval = batchLosses.suffix(options.logInterval)
                XCTAssertEqual(loss, interval.reduce(0, +) / Double(interval.count))
                reports.append(loss)
            case let .validation(epoch, result, _):
                validations += 1
                XCTAssertEqual(epoch, validations)
                XCTAssertEqual(batchLosses.count, 7)
                XCTAssertEqual(result.ppl, exp(result.loss))
                if result.loss < best {
                    best = result.loss
                    XCTAssertTrue(events.contains { if case .savedBest = $0 { return true } else { return false } })
                }
                batchLosses = []
            case .savedBest(let averaged):
                XCTAssertEqual(averaged, switched)
            case .switchedToASGD:
                XCTAssertFalse(switched)
                switched = true
            case let .checkpointSaved(epoch, _, midEpoch):
                XCTAssertFalse(midEpoch)
                checkpoints.append(epoch)
            case .test(let result):
                XCTAssertEqual(result, summary.test)
            case let .evaluating(split, done, total):
                XCTAssertTrue(done >= 1 && done <= total, "\(split): \(done) of \(total)")
            case .interrupted, .learningRateDivided, .finetuningDone, .timeLimitReached, .testCut, .diverged:
                XCTFail("unexpected \(event)")
            }
        }
        XCTAssertEqual(validations, 4)
        XCTAssertTrue(switched, "the run must reach averaged SGD")
        XCTAssertEqual(summary.bestValid?.loss, best)
        let saves = events.filter { if case .savedBest = $0 { return true } else { return false } }.count
        let improvements = events.reduce(into: (count: 0, best: Double.infinity)) { acc, event in
            if case .validation(_, let r, _) = event, r.loss < acc.best { acc = (acc.count + 1, r.loss) }
        }.count
        XCTAssertEqual(saves, improvements)
        XCTAssertEqual(checkpoints, [2, 3, 4, 5, 5], "after every epoch (numbered as the next), then the finished run")
        if case .test = events.last {} else { XCTFail("the test comes last: \(String(describing: events.last))") }
        let logged = try MetricsLog.read(RunFolder(dir.url).metrics).filter { $0.kind == "log" }
        XCTAssertEqual(logged.compactMap(\.loss), reports)
        XCTAssertEqual(logged.compactMap(\.batches), Array(repeating: 7, count: reports.count))
    }

    /// A small model trained for 300 steps on a slice of PTB: validation
    /// perplexity falls from ≈10,000 (uniform) to below 650.
    func testTrainingOnPennTreebankLowersPerplexity() throws {
        let full = try Corpus(folder: SharedData.folder("ptb"))
        let corpus = Corpus(vocabulary: full.vocabulary, train: Array(full.train.prefix(300 * 20 * 35 / 3)),
                            valid: Array(full.valid.prefix(20_000)), test: Array(full.test.prefix(2_000)))
        var o = TrainingOptions()
        o.batchSize = 20
        o.bptt = 35
        o.epochs = 3
        o.maxBatches = 100
        o.logInterval = 100
        var rng = RandomSource(seed: 1)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 10_000, emsize: 64, nhid: 128, nlayers: 2,
                                                     dropout: 0.1, dropouth: 0.1, dropouti: 0.1, dropoute: 0, wdrop: 0.1),
                                 rng: &rng)
        let before = try exp(Evaluator.loss(model: model, data: BatchedTokens(corpus.valid, batchSize: 10), bptt: 35))
        let dir = try TemporaryFolder()
        let trainer = try Trainer(model: model, corpus: corpus, options: o, folder: RunFolder(dir.url), dataPath: "ptb slice")
        trainer.testAtEnd = false
        let after = try trainer.run().bestValid!.ppl
        print("PTB slice: valid ppl \(before) -> \(after)")
        XCTAssertGreaterThan(before, 5_000)
        XCTAssertLessThan(after, 650)
    }
}
