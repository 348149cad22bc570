import Foundation

/// Why training stopped early.
public enum StopReason: Sendable {
    /// Ctrl-C: leave the epoch where it is (state saved), test the best model.
    case interrupted
}

/// The outcome of `Trainer.run()`.
public struct TrainingSummary: Sendable {
    public var bestValid: EvaluationResult?
    public var test: EvaluationResult?
    public var epochsCompleted: Int
    public var interrupted: Bool
}

/// The training procedure of the authors' `main.py`: variable-length BPTT with
/// the learning rate scaled per window, AR/TAR, clipping, SGD (or Adam) until
/// the non-monotone trigger switches to averaged SGD, validation after every
/// epoch on the averaged weights once averaging, `--when` learning-rate drops,
/// the best model saved, and a final test evaluation of that model.
public final class Trainer {
    public let model: AWDLSTMModel
    public let corpus: Corpus
    public let options: TrainingOptions
    public let folder: RunFolder
    /// Log lines (the authors' format), normally to stderr.
    public var log: (String) -> Void = { _ in }
    /// A transient status line (progress, ETA); nil when not on a terminal.
    public var progress: ((String) -> Void)?
    /// Polled after every batch; returning a reason stops training.
    public var shouldStop: () -> StopReason? = { nil }
    /// Evaluate the best model on test at the end (the authors always do).
    public var testAtEnd = true

    /// The ranks of a data-parallel job (`mpirun`); one process by default.
    /// Each rank trains on its share of the batch columns; rank 0 alone writes.
    public let communicator: Communicator

    private var state: TrainingState
    private var optimizer: ActiveOptimizer
    private var rng: RandomSource
    /// Nil on ranks other than 0.
    private let metrics: MetricsLog?

    /// Starts a new run in `folder` (writes `config.json`, `vocab.txt`, a fresh `metrics.jsonl`).
    public init(model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions, folder: RunFolder, dataPath: String,
                communicator: Communicator = SingleProcess()) throws {
        self.model = model
        self.corpus = corpus
        self.options = options
        self.folder = folder
        self.communicator = communicator
        let blas = try BLAS.prepare()  // a broken BLAS stops the run before anything is written
        if communicator.isRoot {
            try folder.create()
            try folder.writeConfig(RunConfig(model: model.config, training: options, data: dataPath, blas: blas))
            try folder.writeVocabulary(corpus.vocabulary)
        }
        metrics = communicator.isRoot ? try MetricsLog(url: folder.metrics) : nil
        rng = RandomSource(seed: options.seed &+ 1)
        let n = model.weights.count
        switch options.optimizer {
        case .adam: optimizer = .adam(Adam(parameterCount: n, weightDecay: options.wdecay))
        case .asgd: optimizer = .asgd(AveragedSGD(parameterCount: n, weightDecay: options.wdecay))
        case .sgd: optimizer = .sgd(SGD(weightDecay: options.wdecay))
        }
        state = TrainingState(lr: options.lr, optimizer: optimizer.kind, rng: rng)
    }

    /// Continues the run saved in `folder` (its `state.safetensors`) exactly.
    /// `options` may differ from the saved ones only in limits (epochs, batch and
    /// time limits, logging, checkpointing) and the learning rate.
    public init(resuming folder: RunFolder, model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions, lrOverride: Double? = nil,
                communicator: Communicator = SingleProcess()) throws {
        self.model = model
        self.corpus = corpus
        self.options = options
        self.folder = folder
        self.communicator = communicator
        guard folder.exists(folder.state) else {
            throw RunFolderError.missingState(path: folder.state.path, folder: folder.url.path)
        }
        (state, optimizer) = try TrainingState.read(from: folder.state, model: model, weightDecay: options.wdecay,
                                                     batchSize: options.batchSize, columns: communicator.columns(of: options.batchSize))
        if let lr = lrOverride { state.lr = lr }
        // A finished run given a higher epoch limit continues training.
        if state.finished && state.finetune != true && state.epoch <= options.epochs { state.finished = false }
        rng = RandomSource(state: state.rng)!
        metrics = communicator.isRoot ? try MetricsLog(url: folder.metrics, keepLines: state.metricsLines) : nil
        var saved = try folder.readConfig()
        saved.training = options
        saved.blas = try BLAS.prepare()
        if communicator.isRoot { try folder.writeConfig(saved) }
    }

    /// Continues a trained run in `folder` with the authors' fine-tuning: averaged
    /// SGD from the first step, the best validation loss starting at that of the
    /// loaded weights (so the saved model never gets worse), and a stop at the
    /// non-monotone condition. The trained weights and state are kept as
    /// `model.pre-finetune.safetensors` and `state.pre-finetune.safetensors`.
    public init(finetuning folder: RunFolder, model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions) throws {
        self.model = model
        self.corpus = corpus
        self.options = options
        self.folder = folder
        communicator = SingleProcess()
        let fm = FileManager.default
        for (file, kept) in [(folder.model, "model.pre-finetune.safetensors"), (folder.state, "state.pre-finetune.safetensors")] {
            let target = folder.url.appendingPathComponent(kept)
            if fm.fileExists(atPath: file.path) && !fm.fileExists(atPath: target.path) {
                do { try fm.copyItem(at: file, to: target) } catch {
                    throw FileError.cannotWrite(path: target.path, step: .copy, reason: error.localizedDescription)
                }
            }
        }
        let existing = (try? MetricsLog.read(folder.metrics)) ?? []
        metrics = try MetricsLog(url: folder.metrics, keepLines: existing.count)
        rng = RandomSource(seed: options.seed &+ 2)
        optimizer = .asgd(AveragedSGD(parameterCount: model.weights.count, weightDecay: options.wdecay))
        state = TrainingState(lr: options.lr, optimizer: .asgd, rng: rng)
        state.finetune = true
        state.averagingSinceEpoch = 1
        state.metricsEpochOffset = existing.filter { $0.kind == "epoch" }.map(\.epoch).max() ?? 0
        let valid = BatchedTokens(corpus.valid, batchSize: options.evalBatchSize)
        state.bestValidLoss = try Evaluator.loss(model: model, data: valid, bptt: options.bptt)
    }

    /// The best validation loss before any epoch of this run (fine-tuning's baseline).
    public var startingValidLoss: Double? { state.bestValidLoss }

    private var averaging: Bool { optimizer.kind == .asgd }
    private var finetuning: Bool { state.finetune == true }

    public func run() throws -> TrainingSummary {
        let b = options.batchSize
        let train = BatchedTokens(corpus.train, batchSize: b).columns(communicator.columns(of: b))
        let valid = BatchedTokens(corpus.valid, batchSize: options.evalBatchSize)
        guard train.rows >= 3 else {
            throw TrainingError.dataTooSmall(split: .train, tokens: corpus.train.count, rows: 3, batchSize: b, batchSizeField: "batchSize")
        }
        guard valid.rows >= 2 else {
            throw TrainingError.dataTooSmall(split: .valid, tokens: corpus.valid.count, rows: 2, batchSize: options.evalBatchSize,
                                             batchSizeField: "evalBatchSize")
        }
        guard !testAtEnd || corpus.test.count / options.testBatchSize >= 2 else {
            throw TrainingError.dataTooSmall(split: .test, tokens: corpus.test.count, rows: 2, batchSize: options.testBatchSize,
                                             batchSizeField: "testBatchSize")
        }
        let schedule = VariableBPTT(bptt: options.bptt, fixed: options.fixedBPTT)
        let batchesPerEpoch = train.rows / options.bptt
        let runStart = Date().timeIntervalSince1970 - state.trainingSeconds
        var interrupted = false
        var lastBest: EvaluationResult?

        func elapsed() -> Double { Date().timeIntervalSince1970 - runStart }
        func checkpoint(midEpoch: Bool) throws {
            try requireFinite(model.weights, "the weights at epoch \(state.epoch), batch \(state.batchInEpoch)")
            if let average = optimizer.averagedWeights { try requireFinite(average, "the averaged weights at epoch \(state.epoch)") }
            let hidden = midEpoch ? communicator.gatherHidden(model.hidden) : nil
            guard let metrics else { return }
            state.rng = rng.state
            state.trainingSeconds = elapsed()
            state.metricsLines = metrics.lines
            try state.write(to: folder.state, model: model, optimizer: optimizer, hidden: hidden)
        }

        epochs: while state.epoch <= options.epochs && !state.finished {
            if !state.epochInProgress {
                model.resetHidden(batchSize: train.columns)
                state.epochInProgress = true
                (state.batchInEpoch, state.position, state.intervalLoss, state.intervalBatches) = (0, 0, 0, 0)
                (state.epochLoss, state.epochSeconds) = (0, 0)
            }
            let epochStart = Date().timeIntervalSince1970 - state.epochSeconds
            var intervalStart = Date().timeIntervalSince1970
            var timeUp = false
            while state.position < train.rows - 2 {
                if let m = options.maxBatches, state.batchInEpoch >= m { break }
                let seqLen = schedule.sampleLength(&rng)
                let stepLR = schedule.learningRate(state.lr, length: seqLen)
                let batch = train.window(at: state.position, length: seqLen)
                let loss = communicator.averageGradients(model.gradients, loss: try communicator.withDropoutStream(&rng) {
                    try model.forwardBackward(batch, alpha: options.alpha, beta: options.beta, rng: &$0)
                })
                let norm = options.clip > 0
                    ? GradientClipping.clip(model.gradients, maxNorm: options.clip)
                    : Pointwise.sumOfSquares(model.gradients.pointer, count: model.gradients.count).squareRoot()
                guard loss.total.isFinite, norm.isFinite else {
                    throw diverged(loss.total.isFinite ? .gradientNorm(epoch: state.epoch, batch: state.batchInEpoch + 1)
                                                       : .loss(epoch: state.epoch, batch: state.batchInEpoch + 1))
                }
                optimizer.step(weights: model.weights, gradients: model.gradients, lr: stepLR)
                state.intervalLoss += loss.crossEntropy
                state.intervalBatches += 1
                state.epochLoss += loss.crossEntropy
                state.batchInEpoch += 1
                state.position += seqLen

                if state.batchInEpoch % options.logInterval == 0 {
                    let now = Date().timeIntervalSince1970
                    let cur = state.intervalLoss / Double(max(1, state.intervalBatches))
                    let ms = (now - intervalStart) * 1000 / Double(max(1, state.intervalBatches))
                    log(String(format: "| epoch %3d | %5d/%5d batches | lr %05.5f | ms/batch %5.2f | loss %5.2f | ppl %8.2f | bpc %8.3f",
                               state.epoch, state.batchInEpoch, batchesPerEpoch, state.lr, ms, cur, exp(cur), cur / ln2))
                    var r = record("log")
                    (r.batch, r.batches, r.lr, r.loss, r.ppl, r.bpc) = (state.batchInEpoch, batchesPerEpoch, state.lr, cur, exp(cur), cur / ln2)
                    r.msPerBatch = ms
                    r.tokensPerS = Double(state.intervalBatches * options.bptt * b) / max(1e-9, now - intervalStart)
                    r.averaging = averaging
                    try metrics?.append(r)
                    (state.intervalLoss, state.intervalBatches) = (0, 0)
                    intervalStart = now
                }
                if let p = progress {
                    let done = Double(state.batchInEpoch)
                    let total = Double(options.maxBatches.map { min($0, batchesPerEpoch) } ?? batchesPerEpoch)
                    let perBatch = (Date().timeIntervalSince1970 - epochStart) / done
                    p(String(format: "epoch %d  %d/%d batches  %.0f ms/batch  ETA %@", state.epoch, state.batchInEpoch,
                             Int(total), perBatch * 1000, formatDuration(max(0, total - done) * perBatch)))
                }
                if let every = options.checkpointEvery, state.batchInEpoch % every == 0 {
                    state.epochSeconds = Date().timeIntervalSince1970 - epochStart
                    try checkpoint(midEpoch: true)
                }
                if communicator.anyRank(shouldStop() != nil) {
                    state.epochSeconds = Date().timeIntervalSince1970 - epochStart
                    try checkpoint(midEpoch: true)
                    log(String(repeating: "-", count: 89))
                    log("Exiting from training early")
                    interrupted = true
                    break epochs
                }
                if let limit = options.maxMinutes, communicator.anyRank(elapsed() >= limit * 60) { timeUp = true; break }
            }

            // End of epoch: validate (averaged weights once averaging), save the best, NT-ASGD.
            let validLoss = try evaluateValid(valid)
            let epochTime = Date().timeIntervalSince1970 - epochStart
            log(String(repeating: "-", count: 89))
            log(String(format: "| end of epoch %3d | time: %5.2fs | valid loss %5.2f | valid ppl %8.2f | valid bpc %8.3f",
                       state.epoch, epochTime, validLoss, exp(validLoss), validLoss / ln2))
            log(String(repeating: "-", count: 89))
            // A NaN never compares better, but the first epoch has nothing to compare
            // with: non-finite losses and weights are never saved.
            guard validLoss.isFinite else { throw diverged(.validationLoss(epoch: state.epoch, isNaN: validLoss.isNaN)) }
            if state.bestValidLoss.map({ validLoss < $0 }) ?? true {
                try requireFinite(optimizer.averagedWeights ?? model.weights, "the weights to save at the end of epoch \(state.epoch)")
                if communicator.isRoot { try model.saveWeights(to: folder.model, from: optimizer.averagedWeights) }
                log(averaging ? "Saving Averaged (new best validation)" : "Saving model (new best validation)")
                state.bestValidLoss = validLoss
                lastBest = EvaluationResult(loss: validLoss, tokens: corpus.valid.count)
            }
            var epochRecord = record("epoch")
            let trainLoss = state.epochLoss / Double(max(1, state.batchInEpoch))
            (epochRecord.loss, epochRecord.ppl, epochRecord.bpc) = (trainLoss, exp(trainLoss), trainLoss / ln2)
            (epochRecord.valLoss, epochRecord.valPpl, epochRecord.valBpc) = (validLoss, exp(validLoss), validLoss / ln2)
            (epochRecord.seconds, epochRecord.lr, epochRecord.batch) = (epochTime, state.lr, state.batchInEpoch)
            epochRecord.averaging = averaging

            if finetuning {
                if communicator.decidedByRoot({
                    NonMonotoneTrigger.shouldSwitch(history: state.validHistory, current: validLoss, nonmono: options.nonmono)
                }) {
                    log("Done!")
                    state.finished = true
                }
                state.validHistory.append(validLoss)
            } else if !averaging {
                if options.optimizer == .sgd, communicator.decidedByRoot({
                    NonMonotoneTrigger.shouldSwitch(history: state.validHistory, current: validLoss, nonmono: options.nonmono)
                }) {
                    log("Switching to ASGD")
                    optimizer = .asgd(AveragedSGD(parameterCount: model.weights.count, weightDecay: options.wdecay))
                    state.lr = options.lr
                    state.averagingSinceEpoch = state.epoch + 1
                }
                if options.when.contains(state.epoch) {
                    log("Dividing learning rate by 10")
                    state.lr /= 10
                }
                state.validHistory.append(validLoss)
            }
            if let metrics {
                try metrics.append(epochRecord)
                try TrainingCurves.write(metrics: folder.metrics, to: folder.trainingCurves,
                                        bitsPerCharacter: corpus.vocabulary.isCharacterLevel)
            }
            state.epochInProgress = false
            state.epoch += 1
            try checkpoint(midEpoch: false)
            if state.finished { break }
            if timeUp {
                log("Time limit of \(options.maxMinutes!) minutes reached")
                break
            }
        }
        if !interrupted && (state.finished || !(state.epoch <= options.epochs)) {
            state.finished = true
            try checkpoint(midEpoch: false)
        }

        var test: EvaluationResult?
        communicator.synchronize()  // rank 0's last model.safetensors is complete
        if testAtEnd && folder.exists(folder.model) {
            // The authors reload the best saved model and test it with batch size 1.
            let best = try SafeTensors(contentsOf: folder.model)
            let data = BatchedTokens(corpus.test, batchSize: options.testBatchSize)
            let loss = try model.withWeights({ try model.loadWeights(from: best, into: $0, source: folder.model.path) }) {
                try evaluationLoss(data)
            }
            test = EvaluationResult(loss: loss, tokens: corpus.test.count)
            log(String(repeating: "=", count: 89))
            log(String(format: "| End of training | test loss %5.2f | test ppl %8.2f | test bpc %8.3f", loss, exp(loss), loss / ln2))
            log(String(repeating: "=", count: 89))
            var r = record("test", epoch: state.epoch - 1)
            (r.loss, r.ppl, r.bpc) = (loss, exp(loss), loss / ln2)
            try metrics?.append(r)
        }
        let best = lastBest ?? state.bestValidLoss.map { EvaluationResult(loss: $0, tokens: corpus.valid.count) }
        return TrainingSummary(bestValid: best, test: test, epochsCompleted: state.epoch - 1, interrupted: interrupted)
    }

    /// Stops on weights that are no longer finite, so that they are never written.
    private func requireFinite(_ values: FloatBuffer, _ what: String) throws {
        if !Pointwise.allFinite(values.pointer, count: values.count) { throw diverged(.weights(what)) }
    }

    /// The error that ends a diverged run: what happened, then what the folder
    /// holds (neither weights nor state of this epoch) and how to go on from there.
    private func diverged(_ cause: TrainingError.Divergence) -> TrainingError {
        let path = folder.url.path
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let recovery: TrainingError.Recovery = finetuning ? .fineTuneAgain : folder.exists(folder.state) ? .resume : .startAgain
        return .diverged(cause: cause, folder: path, files: files, recovery: recovery)
    }

    /// A metrics record for the current epoch, numbered after any earlier phase.
    private func record(_ kind: String, epoch: Int? = nil) -> MetricsRecord {
        var r = MetricsRecord(kind: kind, epoch: (epoch ?? state.epoch) + (state.metricsEpochOffset ?? 0))
        if finetuning { r.phase = "finetune" }
        return r
    }

    /// Validation loss; with averaging on, of the averaged weights (swapped in and back).
    private func evaluateValid(_ valid: BatchedTokens) throws -> Double {
        guard let average = optimizer.averagedWeights else { return try evaluationLoss(valid) }
        return try model.withWeights({ $0.copy(from: average) }) { try evaluationLoss(valid) }
    }

    /// The `Evaluator`'s loss over `data`, its columns split over the ranks.
    private func evaluationLoss(_ data: BatchedTokens) throws -> Double {
        try communicator.evaluationLoss(data) { try Evaluator.loss(model: model, data: $0, bptt: options.bptt) }
    }
}

private let ln2 = Foundation.log(2.0)

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
