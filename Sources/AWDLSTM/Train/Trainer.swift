import Foundation

/// Why training stopped early.
public enum StopReason: Sendable {
    /// Ctrl-C. During training: leave the epoch where it is (state saved), test
    /// the best model. During validation (one process): stop it, save the state
    /// with the epoch trained (a resume validates it first), test the best model.
    /// During the final test (one process): stop it; the run is complete, untested.
    case interrupted
}

/// The outcome of `Trainer.run()`.
public struct TrainingSummary: Sendable {
    /// The validation result of the saved best model; nil when none was saved.
    public var bestValid: EvaluationResult?
    /// The saved best model on the test split; nil when `testAtEnd` is false.
    public var test: EvaluationResult?
    /// The epochs finished in the run, those before a resume included.
    public var epochsCompleted: Int
    /// Whether `shouldStop` ended training, a validation or the final test early.
    public var interrupted: Bool
}

/// The training procedure of the authors' `main.py`: variable-length BPTT with
/// the learning rate scaled per window, AR/TAR, clipping, SGD (or Adam) until
/// the non-monotone trigger switches to averaged SGD, validation after every
/// epoch on the averaged weights once averaging, `--when` learning-rate drops,
/// the best model saved, and a final test evaluation of that model.
/// Fine-tuning (`finetune.py`) is the same loop started by `init(finetuning:…)`.
public final class Trainer {
    /// The model being trained; its weights are the current (not averaged) ones.
    public let model: AWDLSTMModel
    /// The data: train for the steps, valid after every epoch, test at the end.
    public let corpus: Corpus
    /// The hyper-parameters and limits of the run.
    public let options: TrainingOptions
    /// Where the run is written (rank 0 only).
    public let folder: RunFolder
    /// Called with every event of the run, on the thread that calls `run()`
    /// (on rank 0 only in a data-parallel job, unless set on the others too).
    public var onEvent: (TrainingEvent) -> Void = { _ in }
    /// Polled after every training batch, and (in one process) after every
    /// evaluation window; returning a reason stops the phase in progress
    /// (`StopReason`). One request stops one phase: once training has stopped,
    /// the best model is still tested in full.
    public var shouldStop: () -> StopReason? = { nil }
    /// Evaluate the best model on test at the end (the authors always do).
    public var testAtEnd = true

    /// The ranks of a data-parallel job (`mpirun`); one process by default.
    /// Each rank trains on its share of the batch columns; rank 0 alone writes.
    public let communicator: Communicator

    var state: TrainingState
    private var optimizer: any Optimizer
    private var rng: RandomSource
    /// Nil on ranks other than 0.
    private let metrics: MetricsLog?

    /// Wall-clock start of the whole run and of the running epoch, moved back
    /// by the time already spent before a resume.
    private var runStart = 0.0
    private var epochStart = 0.0
    /// The validation result of the last model saved by this process.
    private var lastBest: EvaluationResult?
    /// The `config.json` of a resumed or fine-tuned run (its options, data and
    /// BLAS), written with its first state, so that the file never names
    /// settings that no saved state was trained with.
    var configToRecord: RunConfig?
    /// A stop request was acted on; later polls of the same request are ignored.
    private var stopHandled = false
    /// When `state.safetensors` was last written (or the run started here), for `checkpointMinutes`.
    private var lastCheckpoint = 0.0
    /// The mean ms per batch of the running epoch and its batch total, at the last batch.
    private var lastMsPerBatch: Double?
    private var batchesInEpoch = 0
    /// Wall time of this process's last validation pass, in seconds.
    private var lastValidationSeconds: Double?
    /// The run's time (as `runStart` counts it) at the end of its last finished
    /// epoch, and whether the running epoch has been validated already.
    private var timeAtLastEpochEnd = 0.0
    private var epochValidated = false

    /// The one initialiser the public ones end in: the run's state as read or
    /// made, its generator restored from `state.rng`.
    init(model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions, folder: RunFolder, communicator: Communicator,
         state: TrainingState, optimizer: any Optimizer, metrics: MetricsLog?) {
        self.model = model
        self.corpus = corpus
        self.options = options
        self.folder = folder
        self.communicator = communicator
        self.state = state
        self.optimizer = optimizer
        self.metrics = metrics
        rng = RandomSource(state: state.rng)!
    }

    /// Starts a new run in `folder` (writes `config.json`, `vocab.txt`, a fresh `metrics.jsonl`).
    /// Throws before writing anything: `ConfigurationError` for invalid options or a
    /// model whose vocabulary is not the corpus's, `TrainingError.dataTooSmall` for
    /// train or validation splits too small to batch, `RunFolderError.alreadyExists`
    /// when `folder` already holds a model or a training state (resume it instead).
    /// `tokenizer` is the one the corpus was made with, recorded for raw text (`RunConfig.tokenizer`).
    public convenience init(model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions, folder: RunFolder, dataPath: String,
                            tokenizer: TextTokenizer = .none, communicator: Communicator = SingleProcess()) throws {
        // Refused input leaves no half-made folder behind; the test split is checked
        // by `run()`, since `testAtEnd` may still be turned off.
        try options.validate(for: corpus, testing: false)
        try ConfigurationError.require(model.config.vocabSize == corpus.vocabulary.count, "vocabSize", model.config.vocabSize,
                                       .equalTo(corpus.vocabulary.count))
        let blas = try BLAS.prepare()  // a broken BLAS stops the run before anything is written
        if communicator.isRoot {
            try folder.refuseOverwrite()
            try folder.create()
            var config = RunConfig(model: model.config, training: options, data: dataPath, blas: blas)
            config.tokenizer = tokenizer
            try folder.writeConfig(config)
            try folder.writeVocabulary(corpus.vocabulary)
        }
        let optimizer = OptimizerState(optimizer: options.optimizer)
            .makeOptimizer(parameterCount: model.weights.count, weightDecay: options.wdecay)
        self.init(model: model, corpus: corpus, options: options, folder: folder, communicator: communicator,
                  state: TrainingState(lr: options.lr, rng: RandomSource(seed: options.seed &+ 1)), optimizer: optimizer,
                  metrics: communicator.isRoot ? try MetricsLog(url: folder.metrics) : nil)
    }

    /// Continues the run saved in `folder` (its `state.safetensors`) exactly.
    /// `model` must have the run's configuration (`folder.readConfig().model`;
    /// its initial weights do not matter): the state's weights and hidden state
    /// replace its own. `options` may differ from the saved ones only in limits
    /// (epochs, batch and time limits, logging, checkpointing) and the learning
    /// rate; `newData` names the data folder of `corpus` when it is not the
    /// run's. `config.json` records `options` and `newData` with the first state
    /// the run saves.
    /// Throws `RunFolderError` for a missing state, configuration or other file
    /// the folder needs (`RunFolder.requireResumable()`),
    /// `ConfigurationError` for an option that may not change
    /// (`TrainingOptions.requireSameOptimisation(as:)`), and `CheckpointError`
    /// for a state or a best model (`model.safetensors`, tested at the end) that
    /// cannot be used, non-finite values included, before any training.
    public convenience init(resuming folder: RunFolder, model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions,
                            lrOverride: Double? = nil, newData: String? = nil, communicator: Communicator = SingleProcess()) throws {
        try folder.requireResumable()
        let saved = try folder.readConfig()
        try options.requireSameOptimisation(as: saved.training)
        var (state, optimizer) = try TrainingState.read(from: folder.state, model: model, weightDecay: options.wdecay,
                                                        batchSize: options.batchSize, columns: communicator.columns(of: options.batchSize))
        if folder.exists(folder.model) {
            try model.checkWeights(in: SafeTensors(contentsOf: folder.model), source: folder.model.path)
        }
        if let lr = lrOverride { state.lr = lr }
        // A finished run given a higher epoch limit continues training.
        if state.finished && state.finetune != true && state.epoch <= options.epochs { state.finished = false }
        let blas = try BLAS.prepare()
        let metrics = communicator.isRoot ? try MetricsLog(url: folder.metrics, keepLines: state.metricsLines) : nil
        self.init(model: model, corpus: corpus, options: options, folder: folder, communicator: communicator,
                  state: state, optimizer: optimizer, metrics: metrics)
        configToRecord = saved.continued(with: options, newData: newData, epochsSoFar: epochsSoFar, blas: blas)
    }

    /// The epochs finished before the current one, fine-tuning's after training's.
    var epochsSoFar: Int { state.epoch - 1 + (state.metricsEpochOffset ?? 0) }

    private var averaging: Bool { optimizer.kind == .asgd }
    var finetuning: Bool { state.finetune == true }

    /// Trains until the epoch limit, the time limit, a stop request or (when
    /// fine-tuning) the non-monotone condition; then tests the best model.
    ///
    /// Throws one of these (untyped, as they come from several domains):
    /// - `ConfigurationError` on invalid options;
    /// - `TrainingError.dataTooSmall` on splits too small to batch, and
    ///   `TrainingError.diverged` when a loss, gradient norm or the weights stop
    ///   being finite (the folder then holds the last good state);
    /// - `ModelError` when a token of the corpus is outside the model's vocabulary;
    /// - `TrainingError.writeFailed` when the run folder cannot be written once
    ///   training has started (a full disk; the folder then resumes or starts again),
    ///   `FileError` when it cannot be read back;
    /// - `CheckpointError` when the saved best model cannot be read for the test;
    /// - `RunFolderError.malformedMetrics` when `metrics.jsonl` cannot be read to plot it.
    public func run() throws -> TrainingSummary {
        do { return try trainAndTest() } catch let error as FileError {
            guard case .cannotWrite = error else { throw error }
            throw writeFailure(error)
        }
    }

    /// The body of `run()`.
    private func trainAndTest() throws -> TrainingSummary {
        try options.validate(for: corpus, testing: testAtEnd)
        let b = options.batchSize
        let train = try BatchedTokens(corpus.train, batchSize: b).columns(communicator.columns(of: b))
        let valid = try validationData()
        runStart = now() - state.trainingSeconds
        lastCheckpoint = now()
        timeAtLastEpochEnd = state.trainingSeconds - (state.epochInProgress ? state.epochSeconds : 0)
        var interrupted = false
        while state.epoch <= options.epochs && !state.finished {
            let end: EpochEnd
            if state.validationPending == true {  // resumed after a stop during this epoch's validation
                epochStart = now() - state.epochSeconds
                end = .complete
            } else {
                end = try trainEpoch(train)
            }
            if try end == .interrupted || !endEpoch(valid) {
                interrupted = true
                break
            }
            if state.finished { break }
            if end == .timeUp {
                onEvent(.timeLimitReached(minutes: options.maxMinutes!))
                break
            }
        }
        if !interrupted && (state.finished || !(state.epoch <= options.epochs)) {
            state.finished = true
            try checkpoint(midEpoch: false)
        }
        let test = try testBestModel()
        let best = lastBest ?? state.bestValidLoss.map { Evaluator.result($0, over: valid) }
        // Every stop (of training, a validation or the test) is recorded in `stopHandled`.
        return TrainingSummary(bestValid: best, test: test, epochsCompleted: state.epoch - 1, interrupted: stopHandled)
    }

    // MARK: One epoch

    private enum EpochEnd { case complete, timeUp, interrupted }

    /// The batch loop of one epoch (or the rest of one, after a resume).
    private func trainEpoch(_ train: BatchedTokens) throws -> EpochEnd {
        if !state.epochInProgress {
            model.resetHidden(batchSize: train.columns)
            state.epochInProgress = true
            (state.batchInEpoch, state.position, state.intervalLoss, state.intervalBatches) = (0, 0, 0, 0)
            (state.epochLoss, state.epochSeconds) = (0, 0)
        }
        let schedule = VariableBPTT(bptt: options.bptt, fixed: options.fixedBPTT)
        let batchesInEpoch = min(options.maxBatches ?? .max, train.rows / options.bptt)
        self.batchesInEpoch = batchesInEpoch
        epochStart = now() - state.epochSeconds
        var intervalStart = now()
        while state.position < train.rows - 2 {
            if let m = options.maxBatches, state.batchInEpoch >= m { break }
            let seqLen = schedule.sampleLength(&rng)
            let stepLR = schedule.learningRate(state.lr, length: seqLen)
            let loss = try trainBatch(train.window(at: state.position, length: seqLen), lr: stepLR)
            state.intervalLoss += loss
            state.intervalBatches += 1
            state.epochLoss += loss
            state.batchInEpoch += 1
            state.position += seqLen

            let time = now()
            let msPerBatch = (time - epochStart) * 1000 / Double(state.batchInEpoch)
            lastMsPerBatch = msPerBatch
            onEvent(.batch(epoch: state.epoch, batch: state.batchInEpoch, batchesInEpoch: batchesInEpoch, lr: state.lr,
                           msPerBatch: msPerBatch, loss: loss))
            if state.batchInEpoch % options.logInterval == 0 {
                try report(batchesInEpoch: batchesInEpoch, seconds: time - intervalStart)
                intervalStart = time
            }
            if let every = options.checkpointEvery, state.batchInEpoch % every == 0 {
                try checkpoint(midEpoch: true)
            } else if let interval = options.checkpointInterval, communicator.anyRank(now() - lastCheckpoint >= interval) {
                try checkpoint(midEpoch: true)
            }
            if communicator.anyRank(shouldStop() != nil) {
                stopHandled = true
                try checkpoint(midEpoch: true)
                onEvent(.interrupted)
                return .interrupted
            }
            if let deadline, communicator.anyRank(now() + secondsToReserve(limit: options.maxMinutes! * 60) >= deadline) {
                return .timeUp
            }
        }
        return .complete
    }

    /// Forward, backward, gradient averaging over the ranks, clipping and the
    /// optimiser's step on one window; returns its cross-entropy.
    private func trainBatch(_ batch: TokenBatch, lr: Double) throws -> Double {
        let loss = communicator.averageGradients(model.gradients, loss: try communicator.withDropoutStream(&rng) {
            try model.forwardBackward(batch, alpha: options.alpha, beta: options.beta, rng: &$0)
        })
        let norm = options.clip > 0
            ? GradientClipping.clip(model.gradients, maxNorm: options.clip)
            : Pointwise.sumOfSquares(model.gradients.pointer, count: model.gradients.count).squareRoot()
        guard loss.total.isFinite, norm.isFinite else {
            throw divergence(loss.total.isFinite ? .gradientNorm(epoch: state.epoch, batch: state.batchInEpoch + 1)
                                                 : .loss(epoch: state.epoch, batch: state.batchInEpoch + 1))
        }
        optimizer.step(weights: model.weights, gradients: model.gradients, lr: lr)
        return loss.crossEntropy
    }

    /// The report of every `logInterval` batches: an event and a metrics record.
    private func report(batchesInEpoch: Int, seconds: Double) throws {
        let batches = Double(max(1, state.intervalBatches))
        let loss = state.intervalLoss / batches
        let ms = seconds * 1000 / batches
        onEvent(.interval(epoch: state.epoch, batch: state.batchInEpoch, batchesInEpoch: batchesInEpoch, lr: state.lr,
                          msPerBatch: ms, loss: loss))
        var r = record("log")
        (r.batch, r.batches, r.lr, r.msPerBatch) = (state.batchInEpoch, batchesInEpoch, state.lr, ms)
        r.setLoss(loss)
        r.tokensPerS = Double(state.intervalBatches * options.bptt * options.batchSize) / max(1e-9, seconds)
        r.averaging = averaging
        if let metrics {
            try metrics.append(r)
            // Redrawn at every report too, so that a long first epoch already has a picture.
            try TrainingCurves.write(metrics: folder.metrics, to: folder.trainingCurves, bitsPerCharacter: corpus.vocabulary.isCharacterLevel)
        }
        (state.intervalLoss, state.intervalBatches) = (0, 0)
    }

    // MARK: The end of an epoch

    /// Validation, saving the best model, the NT-ASGD switch, `--when` drops
    /// (or fine-tuning's stop), the epoch's metrics and the checkpoint; false
    /// when a stop request interrupted the validation (the state is then saved
    /// with the epoch's training done and its validation pending).
    private func endEpoch(_ valid: BatchedTokens) throws -> Bool {
        guard let loss = try validationLoss(valid) else {
            state.validationPending = true
            try checkpoint(midEpoch: true)
            onEvent(.interrupted)
            return false
        }
        let result = Evaluator.result(loss, over: valid)
        let seconds = now() - epochStart
        timeAtLastEpochEnd = now() - runStart
        epochValidated = true
        defer { epochValidated = false }
        onEvent(.validation(epoch: state.epoch, result: result, seconds: seconds))
        // A NaN never compares better, but the first epoch has nothing to compare
        // with: non-finite losses and weights are never saved.
        guard result.loss.isFinite else {
            throw divergence(.validationLoss(epoch: state.epoch, isNaN: result.loss.isNaN))
        }
        if state.bestValidLoss.map({ result.loss < $0 }) ?? true { try saveBest(result) }
        var r = record("epoch")
        r.setLoss(state.epochLoss / Double(max(1, state.batchInEpoch)))
        r.setValidation(result)
        (r.seconds, r.lr, r.batch, r.averaging) = (seconds, state.lr, state.batchInEpoch, averaging)
        if finetuning {
            if nonMonotone(result.loss) {
                onEvent(.finetuningDone)
                state.finished = true
            }
            state.validHistory.append(result.loss)
        } else if !averaging {
            if options.optimizer == .sgd, nonMonotone(result.loss) { switchToASGD() }
            if options.when.contains(state.epoch) {
                state.lr /= 10
                onEvent(.learningRateDivided(lr: state.lr))
            }
            state.validHistory.append(result.loss)
        }
        if let metrics {
            try metrics.append(r)
            try TrainingCurves.write(metrics: folder.metrics, to: folder.trainingCurves, bitsPerCharacter: corpus.vocabulary.isCharacterLevel)
        }
        state.epochInProgress = false
        state.validationPending = nil
        state.epoch += 1
        try checkpoint(midEpoch: false)
        return true
    }

    /// Writes the weights being evaluated (the averaged ones once averaging) as
    /// the best model.
    private func saveBest(_ result: EvaluationResult) throws {
        try requireFinite(optimizer.averagedWeights ?? model.weights, "the weights to save at the end of epoch \(state.epoch)")
        if communicator.isRoot { try model.saveWeights(to: folder.model, from: optimizer.averagedWeights) }
        onEvent(.savedBest(averaged: averaging))
        state.bestValidLoss = result.loss
        lastBest = result
    }

    /// The non-monotone condition on this validation loss, decided by rank 0.
    private func nonMonotone(_ loss: Double) -> Bool {
        communicator.decidedByRoot {
            NonMonotoneTrigger.shouldSwitch(history: state.validHistory, current: loss, nonmono: options.nonmono)
        }
    }

    /// NT-ASGD: averaged SGD from the next epoch, at the initial learning rate.
    private func switchToASGD() {
        onEvent(.switchedToASGD)
        optimizer = AveragedSGD(parameterCount: model.weights.count, weightDecay: options.wdecay)
        state.lr = options.lr
        state.averagingSinceEpoch = state.epoch + 1
    }

    /// Validation loss; with averaging on, of the averaged weights (swapped in
    /// and back). Nil when a stop request interrupted it.
    private func validationLoss(_ valid: BatchedTokens) throws -> Double? {
        let start = now()
        defer { lastValidationSeconds = now() - start }
        guard let average = optimizer.averagedWeights else { return try evaluationLoss(valid, .valid) }
        return try model.withWeights({ $0.copy(from: average) }) { try evaluationLoss(valid, .valid) }
    }

    /// The `Evaluator`'s loss over `data`, its columns split over the ranks; nil
    /// when a new stop request came during it, or `deadline` (a time as `now()`
    /// counts it) passed, which `cutByDeadline` then says. Only one process stops
    /// there: the ranks of a data-parallel job hold different numbers of columns
    /// and cannot agree window by window, so they finish the evaluation.
    private func evaluationLoss(_ data: BatchedTokens, _ split: Corpus.Split, deadline: Double? = nil) throws -> Double? {
        var stopped = false
        cutByDeadline = false
        let loss = try communicator.evaluationLoss(data) {
            let loss = try Evaluator.loss(model: model, data: $0, bptt: options.bptt,
                                          progress: { self.onEvent(.evaluating(split: split, done: $0, total: $1)) },
                                          until: {
                                              guard self.communicator.size == 1 else { return false }
                                              if !self.stopHandled && self.shouldStop() != nil { return true }
                                              if let deadline, now() >= deadline { self.cutByDeadline = true; return true }
                                              return false
                                          })
            stopped = loss == nil
            return loss ?? .nan
        }
        if stopped && !cutByDeadline { stopHandled = true }
        return stopped ? nil : loss
    }

    /// The last evaluation stopped at its deadline (`maxMinutes`), not at a stop request.
    private var cutByDeadline = false

    // MARK: Time

    /// The end of the run's time limit (`maxMinutes`, counted from the run's start
    /// with the time of earlier invocations), as `now()` counts time; nil without one.
    private var deadline: Double? { options.maxMinutes.map { runStart + $0 * 60 } }

    /// Seconds a validation pass takes: the last one measured in this process, or
    /// before the first, estimated from the training speed (a forward pass costs
    /// about a third of a training step, and a window's cost grows with its columns).
    private func validationSeconds() -> Double {
        if let measured = lastValidationSeconds { return measured }
        guard let ms = lastMsPerBatch else { return 0 }
        let windows = Double(corpus.valid.count / options.evalBatchSize) / Double(options.bptt)
        let columns = Double(communicator.columns(of: options.batchSize).count)
        return windows * ms / 1000 / 3 * max(0.25, Double(options.evalBatchSize) / columns)
    }

    /// Seconds the final test (batch size `testBatchSize`) is estimated to take,
    /// from the validation's time per window; 0 when `testAtEnd` is false.
    private func testSeconds() -> Double {
        guard testAtEnd else { return 0 }
        let validWindows = max(1, Double(corpus.valid.count / options.evalBatchSize) / Double(options.bptt))
        let testWindows = Double(corpus.test.count / options.testBatchSize) / Double(options.bptt)
        let ratio = max(0.25, Double(options.testBatchSize) / Double(options.evalBatchSize))
        return validationSeconds() / validWindows * ratio * testWindows
    }

    /// The time kept back from training under a limit of `limit` seconds: the
    /// running epoch's validation in full (it is never cut: it makes the model),
    /// and the final test up to half of what the validation leaves, so that
    /// training keeps the other half (a test that then runs past the limit is
    /// cut there). A validation longer than the limit leaves training one batch.
    private func secondsToReserve(limit: Double) -> Double {
        let validation = validationSeconds()
        return validation + min(testSeconds(), max(0, limit - validation) / 2)
    }

    /// An estimate of the wall time left in the run, in seconds: the rest of the
    /// running epoch and its validation, the epochs up to `options.epochs` at the
    /// mean time of those finished (validation included; before the first, at the
    /// running epoch's speed), and the final test, bounded by `maxMinutes`. Nil
    /// before this process has trained a batch. Fine-tuning may stop earlier, at
    /// the non-monotone condition. Read it from `onEvent` (it is not thread-safe).
    public var estimatedSecondsLeft: Double? {
        guard let ms = lastMsPerBatch else { return nil }
        let validation = validationSeconds()
        let thisEpoch = epochValidated ? 0 : Double(max(0, batchesInEpoch - state.batchInEpoch)) * ms / 1000 + validation
        let finished = epochValidated ? state.epoch : state.epoch - 1
        let perEpoch = finished >= 1 && timeAtLastEpochEnd > 0
            ? timeAtLastEpochEnd / Double(finished) : Double(batchesInEpoch) * ms / 1000 + validation
        let left = thisEpoch + Double(max(0, options.epochs - state.epoch)) * perEpoch + testSeconds()
        guard let deadline else { return left }
        return min(left, max(0, deadline - now()))
    }

    // MARK: Checkpoints

    /// Writes `state.safetensors` (rank 0), after checking that the weights are
    /// finite; mid-epoch it includes the carried hidden state of every rank.
    private func checkpoint(midEpoch: Bool) throws {
        if midEpoch { state.epochSeconds = now() - epochStart }
        lastCheckpoint = now()
        try requireFinite(model.weights, "the weights at epoch \(state.epoch), batch \(state.batchInEpoch)")
        if let average = optimizer.averagedWeights { try requireFinite(average, "the averaged weights at epoch \(state.epoch)") }
        // Once the epoch's training is done the carried state is no longer needed (validation replaced it).
        let hidden = midEpoch && state.validationPending != true ? communicator.gatherHidden(model.hidden) : nil
        guard let metrics else { return }
        state.rng = rng.state
        state.trainingSeconds = now() - runStart
        state.metricsLines = metrics.lines
        try state.write(to: folder.state, model: model, optimizer: optimizer, hidden: hidden)
        if let config = configToRecord {
            try folder.writeConfig(config)
            configToRecord = nil
        }
        onEvent(.checkpointSaved(epoch: state.epoch, batch: state.batchInEpoch, midEpoch: midEpoch))
    }

    /// Stops on weights that are no longer finite, so that they are never written.
    private func requireFinite(_ values: FloatBuffer, _ what: String) throws {
        if !Pointwise.allFinite(values.pointer, count: values.count) { throw divergence(.weights(what)) }
    }

    /// Reports a divergence and returns the error that ends the run: what
    /// happened, then what the folder holds (neither weights nor state of this
    /// epoch) and how to go on from there.
    private func divergence(_ cause: TrainingError.Divergence) -> TrainingError {
        onEvent(.diverged(cause))
        let path = folder.url.path
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let recovery: TrainingError.Recovery = finetuning ? .fineTuneAgain : folder.exists(folder.state) ? .resume : .startAgain
        return .diverged(cause: cause, folder: path, files: files, recovery: recovery)
    }

    /// The error that ends a run whose folder could not be written (a full disk):
    /// what failed, what the folder holds and how to go on. A model saved
    /// before the run's first state is removed, so that a folder never holds
    /// weights of a run it cannot resume: with no state, the run starts again.
    private func writeFailure(_ error: FileError) -> TrainingError {
        let path = folder.url.path
        if communicator.isRoot && !finetuning && !folder.exists(folder.state) {
            try? FileManager.default.removeItem(at: folder.model)
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let recovery: TrainingError.Recovery = finetuning ? .fineTuneAgain : folder.exists(folder.state) ? .resume : .startAgain
        return .writeFailed(error, folder: path, files: files, recovery: recovery)
    }

    // MARK: The final test

    /// The validation split batched as every validation pass reads it (`evalBatchSize` columns).
    func validationData() throws -> BatchedTokens {
        try BatchedTokens(corpus.valid, batchSize: options.evalBatchSize)
    }

    /// The authors reload the best saved model and test it with batch size 1.
    /// Nil when there is none, or a stop request interrupted the test.
    private func testBestModel() throws -> EvaluationResult? {
        communicator.synchronize()  // rank 0's last model.safetensors is complete
        guard testAtEnd && folder.exists(folder.model) else { return nil }
        let best = try SafeTensors(contentsOf: folder.model)
        let data = try BatchedTokens(corpus.test, batchSize: options.testBatchSize)
        guard let loss = try model.withWeights({ try model.loadWeights(from: best, into: $0, source: folder.model.path) }, {
            try evaluationLoss(data, .test, deadline: deadline)
        }) else {
            onEvent(cutByDeadline ? .testCut(minutes: options.maxMinutes!) : .interrupted)
            return nil
        }
        let result = Evaluator.result(loss, over: data)
        onEvent(.test(result))
        var r = record("test", epoch: state.epoch - 1)
        r.setLoss(result)
        try metrics?.append(r)
        return result
    }

    /// A metrics record for the current epoch, numbered after any earlier phase.
    private func record(_ kind: String, epoch: Int? = nil) -> MetricsRecord {
        var r = MetricsRecord(kind: kind, epoch: (epoch ?? state.epoch) + (state.metricsEpochOffset ?? 0))
        if finetuning { r.phase = "finetune" }
        return r
    }
}

private func now() -> Double { Date().timeIntervalSince1970 }

extension MetricsRecord {
    /// Sets loss, ppl and bpc from a result.
    fileprivate mutating func setLoss(_ result: EvaluationResult) {
        (loss, ppl, bpc) = (result.loss, result.ppl, result.bpc)
    }

    /// Sets loss, ppl and bpc of a mean training loss (nats per token); its
    /// perplexity and bpc come from `EvaluationResult` like every other's.
    fileprivate mutating func setLoss(_ mean: Double) {
        setLoss(EvaluationResult(loss: mean, tokens: 0))
    }

    fileprivate mutating func setValidation(_ result: EvaluationResult) {
        (valLoss, valPpl, valBpc) = (result.loss, result.ppl, result.bpc)
    }
}
