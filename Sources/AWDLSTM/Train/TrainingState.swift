import Foundation

/// Everything needed to continue a run exactly where it stopped: the scalar
/// progress below and the optimiser's `OptimizerState` (stored together as one
/// JSON object in the metadata of `state.safetensors`) plus the tensors written
/// beside it — current weights, the optimiser's buffers and, mid-epoch, the
/// carried hidden state.
struct TrainingState: Codable, Equatable, Sendable {
    /// The epoch in progress, or the next one to start (1-based).
    var epoch = 1
    var epochInProgress = false
    var batchInEpoch = 0
    /// Row of the batchified training data where the next window starts.
    var position = 0
    /// The optimiser's base learning rate (before the per-window scaling).
    var lr: Double
    /// Best validation loss so far (the model in `model.safetensors`).
    var bestValidLoss: Double?
    /// Validation loss of every finished epoch, for the non-monotone trigger.
    var validHistory: [Double] = []
    var averagingSinceEpoch: Int?
    var rng: [UInt64]
    var intervalLoss = 0.0
    var intervalBatches = 0
    var epochLoss = 0.0
    var epochSeconds = 0.0
    var trainingSeconds = 0.0
    var metricsLines = 0
    var finished = false
    /// The epoch's training is done but its validation was interrupted: a
    /// resume validates it first (no hidden state is saved with it).
    var validationPending: Bool?
    /// Fine-tuning (the authors' `finetune.py`): averaged SGD from the start, stop
    /// at the non-monotone condition.
    var finetune: Bool?
    /// Added to epoch numbers in `metrics.jsonl`, so that fine-tuning epochs follow
    /// the training epochs there (the log lines count from 1, like the authors').
    var metricsEpochOffset: Int?

    init(lr: Double, rng: RandomSource) {
        self.lr = lr
        self.rng = rng.state
    }
}

/// The JSON of `state.safetensors`: the trainer's progress and the optimiser's
/// counters in one flat object (the layout every earlier version wrote).
private struct StateJSON: Codable {
    var progress: TrainingState
    var optimizer: OptimizerState

    init(progress: TrainingState, optimizer: OptimizerState) {
        self.progress = progress
        self.optimizer = optimizer
    }

    init(from decoder: Decoder) throws {
        progress = try TrainingState(from: decoder)
        optimizer = try OptimizerState(from: decoder)
    }

    func encode(to encoder: Encoder) throws {
        try progress.encode(to: encoder)
        try optimizer.encode(to: encoder)
    }
}

extension TrainingState {
    /// Writes the state file atomically: scalars as JSON metadata, tensors as F32.
    /// `hidden`, the carried state of the whole batch, is saved mid-epoch.
    func write(to url: URL, model: AWDLSTMModel, optimizer: any Optimizer, hidden: [[(name: String, buffer: FloatBuffer)]]?) throws {
        var tensors: [SafeTensors.Tensor] = []
        func add(_ name: String, _ b: FloatBuffer) {
            tensors.append(.init(name: name, shape: [b.count], values: UnsafeBufferPointer(b.buffer)))
        }
        add("weights", model.weights)
        for (name, buffer) in optimizer.buffers { add(name, buffer) }
        if let hidden {
            for (l, tensors) in hidden.enumerated() {
                for (name, buffer) in tensors { add("hidden.\(l).\(name)", buffer) }
            }
        }
        let json = String(decoding: try JSONFormat.encoder().encode(StateJSON(progress: self, optimizer: optimizer.state)), as: UTF8.self)
        try SafeTensors.write(tensors, metadata: ["state": json, "format": "awd-lstm-state-1"], to: url)
    }

    /// The progress recorded in a state file's metadata, without its tensors
    /// (no model is needed); throws as `read(from:model:…)` for a file that is no state.
    static func progress(in url: URL) throws -> TrainingState {
        let file = try SafeTensors(contentsOf: url)
        guard let json = file.metadata["state"],
              let saved = try? JSONFormat.decoder().decode(StateJSON.self, from: Data(json.utf8)) else {
            throw CheckpointError.notTrainingState(source: url.path)
        }
        return saved.progress
    }

    /// Reads a state file, restoring weights and hidden state into `model` and
    /// returning the state with its optimiser. The model carries the hidden
    /// state of `columns` of the `batchSize` columns (a data-parallel rank's
    /// share; all of them by default), whatever rank count wrote the file.
    static func read(
        from url: URL, model: AWDLSTMModel, weightDecay: Float, batchSize: Int, columns: Range<Int>? = nil
    ) throws -> (TrainingState, any Optimizer) {
        let columns = columns ?? 0..<batchSize
        let file = try SafeTensors(contentsOf: url)
        guard let json = file.metadata["state"],
              let saved = try? JSONFormat.decoder().decode(StateJSON.self, from: Data(json.utf8)) else {
            throw CheckpointError.notTrainingState(source: url.path)
        }
        let state = saved.progress
        guard RandomSource(state: state.rng) != nil else { throw CheckpointError.invalidGeneratorState(source: url.path) }
        func load(_ name: String, _ b: FloatBuffer) throws {
            guard let shape = file.info(name)?.shape else { throw CheckpointError.missingTensor(source: url.path, tensor: name) }
            guard shape == [b.count] else {
                throw CheckpointError.shapeMismatch(source: url.path, tensor: name, shape: shape, expected: [b.count])
            }
            try file.requireFinite(name)
            try file.read(name, into: b.buffer)
        }
        try load("weights", model.weights)
        let optimizer = saved.optimizer.makeOptimizer(parameterCount: model.weights.count, weightDecay: weightDecay)
        for (name, buffer) in optimizer.buffers { try load(name, buffer) }
        model.resetHidden(batchSize: columns.count)
        if state.epochInProgress && state.validationPending != true {
            for (l, s) in model.hidden.enumerated() {
                for (name, buffer) in s.tensors {
                    let width = buffer.count / columns.count
                    let full = FloatBuffer(count: batchSize * width)
                    try load("hidden.\(l).\(name)", full)
                    buffer.pointer.update(from: full.pointer + columns.lowerBound * width, count: buffer.count)
                }
            }
        }
        return (state, optimizer)
    }
}

extension RunFolder {
    /// Checks, before any data is read, that the folder holds every file a
    /// resume needs: `state.safetensors` (`RunFolderError.missingState`),
    /// `config.json` and `vocab.txt`, the best model `model.safetensors` once the
    /// state records a validated epoch, and `metrics.jsonl` once it records
    /// lines of it (`RunFolderError.missingFile`, naming the file and what says
    /// it was written). A deleted best model would otherwise end a resume that
    /// never beats the saved loss with nothing to test and exit status 0.
    public func requireResumable() throws {
        guard exists(state) else { throw RunFolderError.missingState(path: state.path, folder: url.path) }
        guard exists(config) else { throw RunFolderError.missingConfiguration(path: config.path, folder: url.path) }
        let progress = try TrainingState.progress(in: state)
        if let best = progress.bestValidLoss, !exists(model) {
            throw RunFolderError.missingFile(path: model.path, folder: url.path, evidence: String(
                format: "state.safetensors records a best model (validation loss %.4f) saved there, the model the run keeps and tests", best))
        }
        if progress.metricsLines > 0 && !exists(metrics) {
            throw RunFolderError.missingFile(path: metrics.path, folder: url.path,
                                             evidence: "state.safetensors records \(progress.metricsLines) \(progress.metricsLines == 1 ? "line" : "lines") of it (the run's history)")
        }
        _ = try readVocabulary()
    }
}
