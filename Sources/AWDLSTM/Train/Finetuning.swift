import Foundation

extension Trainer {
    /// Continues a trained run in `folder` with the authors' fine-tuning
    /// (`finetune.py`): averaged SGD from the first step, the best validation
    /// loss starting at that of the loaded weights (so the saved model never gets
    /// worse), and a stop at the non-monotone condition. The trained weights,
    /// state and configuration are kept as `model.pre-finetune.safetensors`,
    /// `state.pre-finetune.safetensors` and `config.pre-finetune.json`; `metrics.jsonl` goes on after the
    /// training epochs. A damaged `metrics.jsonl` line throws
    /// `RunFolderError.malformedMetrics` before anything is written. `newData`
    /// names the data folder of `corpus` when it is not the run's. With the first
    /// fine-tuning state, `config.json` records `options` and `newData` (a later
    /// `train --resume` continues fine-tuning with them).
    public convenience init(finetuning folder: RunFolder, model: AWDLSTMModel, corpus: Corpus, options: TrainingOptions,
                            newData: String? = nil) throws {
        let saved = try folder.readConfig()
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
        configToRecord = saved.continued(with: options, newData: newData, epochsSoFar: epochsSoFar, blas: try BLAS.prepare())
    }

    /// The validation result of the weights fine-tuning starts from (its
    /// baseline); nil when not fine-tuning.
    public var startingValidation: EvaluationResult? {
        guard finetuning, let loss = state.bestValidLoss, state.validHistory.isEmpty,
              // The initialiser batched the same split already, so this cannot fail here.
              let valid = try? validationData() else { return nil }
        return Evaluator.result(loss, over: valid)
    }

    /// Copies the trained model, state and configuration once, before fine-tuning
    /// replaces them. Each copy is written atomically (`AtomicFile`), so a full
    /// disk leaves no copy rather than a short one; a copy already there is read
    /// back first and, when damaged (cut short by an earlier version), refused
    /// with `RunFolderError.damagedCopy` before anything is written, never taken
    /// for the trained file.
    private static func keepPreFinetuneCopies(_ folder: RunFolder) throws {
        let fm = FileManager.default
        let copies = [(folder.model, "model.pre-finetune.safetensors"), (folder.state, "state.pre-finetune.safetensors"),
                      (folder.config, "config.pre-finetune.json")]
        for (file, kept) in copies {
            let target = folder.url.appendingPathComponent(kept)
            guard fm.fileExists(atPath: target.path) else { continue }
            if let reason = damage(of: target) {
                throw RunFolderError.damagedCopy(path: target.path, original: file.path, reason: reason)
            }
        }
        for (file, kept) in copies {
            let target = folder.url.appendingPathComponent(kept)
            guard fm.fileExists(atPath: file.path) && !fm.fileExists(atPath: target.path) else { continue }
            guard let data = fm.contents(atPath: file.path) else { throw FileError.unreadable(path: file.path) }
            do { try AtomicFile.write(data, to: target) } catch FileError.cannotWrite(_, _, let reason) {
                throw FileError.cannotWrite(path: target.path, step: .copy, reason: reason)
            }
        }
    }

    /// Why the kept copy at `url` cannot be read back, or nil when it reads
    /// whole: a safetensors file whose header or tensors run past its end, a
    /// JSON file that does not parse.
    static func damage(of url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "cannot be read" }
        if url.pathExtension == "json" {
            return (try? JSONSerialization.jsonObject(with: data)) == nil ? "not a whole JSON object" : nil
        }
        do { _ = try SafeTensors(data: data, source: url.lastPathComponent) } catch let error as CheckpointError {
            if case .malformed(_, let reason) = error { return reason }
            return "\(error)"
        } catch { return "\(error)" }
        return nil
    }
}
