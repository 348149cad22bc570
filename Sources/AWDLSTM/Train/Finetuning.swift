import Foundation

extension Trainer {
    /// Continues a trained run in `folder` with the authors' fine-tuning
    /// (`finetune.py`): averaged SGD from the first step, the best validation
    /// loss starting at that of the loaded weights (so the saved model never gets
    /// worse), and a stop at the non-monotone condition. The trained weights and
    /// state are kept as `model.pre-finetune.safetensors` and
    /// `state.pre-finetune.safetensors`; `metrics.jsonl` goes on after the
    /// training epochs. A damaged `metrics.jsonl` line throws
    /// `RunFolderError.malformedMetrics` before anything is written.
    public convenience init(finetuning folder: RunFolder, model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions) throws {
        let existing = try MetricsLog.readIfPresent(folder.metrics)
        try Self.keepPreFinetuneCopies(folder)
        var state = TrainingState(lr: options.lr, rng: RandomSource(seed: options.seed &+ 2))
        state.finetune = true
        state.averagingSinceEpoch = 1
        state.metricsEpochOffset = existing.filter { $0.kind == "epoch" }.map(\.epoch).max() ?? 0
        let valid = try BatchedTokens(corpus.valid, batchSize: options.evalBatchSize)
        state.bestValidLoss = try Evaluator.loss(model: model, data: valid, bptt: options.bptt)
        self.init(model: model, corpus: corpus, options: options, folder: folder, communicator: SingleProcess(), state: state,
                  optimizer: AveragedSGD(parameterCount: model.weights.count, weightDecay: options.wdecay),
                  metrics: try MetricsLog(url: folder.metrics, keepLines: existing.count))
    }

    /// The validation result of the weights fine-tuning starts from (its
    /// baseline); nil when not fine-tuning.
    public var startingValidation: EvaluationResult? {
        guard finetuning, let loss = state.bestValidLoss, state.validHistory.isEmpty else { return nil }
        return EvaluationResult(loss: loss, tokens: corpus.valid.count)
    }

    /// Copies the trained model and state once, before fine-tuning replaces them.
    private static func keepPreFinetuneCopies(_ folder: RunFolder) throws {
        let fm = FileManager.default
        for (file, kept) in [(folder.model, "model.pre-finetune.safetensors"), (folder.state, "state.pre-finetune.safetensors")] {
            let target = folder.url.appendingPathComponent(kept)
            if fm.fileExists(atPath: file.path) && !fm.fileExists(atPath: target.path) {
                do { try fm.copyItem(at: file, to: target) } catch {
                    throw FileError.cannotWrite(path: target.path, step: .copy, reason: error.localizedDescription)
                }
            }
        }
    }
}
