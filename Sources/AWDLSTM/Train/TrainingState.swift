import Foundation

/// Everything needed to continue a run exactly where it stopped: the scalar
/// progress below (stored as JSON in the metadata of `state.safetensors`) plus
/// the tensors written beside it — current weights, the optimiser's buffers and,
/// mid-epoch, the carried hidden state.
public struct TrainingState: Codable, Equatable, Sendable {
    /// The epoch in progress, or the next one to start (1-based).
    public var epoch = 1
    public var epochInProgress = false
    public var batchInEpoch = 0
    /// Row of the batchified training data where the next window starts.
    public var position = 0
    /// The optimiser's base learning rate (before the per-window scaling).
    public var lr: Double
    public var optimizer: OptimizerKind
    public var asgdSteps = 0
    public var asgdEta = 0.0
    public var asgdMu = 1.0
    public var adamSteps = 0
    /// Best validation loss so far (the model in `model.safetensors`).
    public var bestValidLoss: Double?
    /// Validation loss of every finished epoch, for the non-monotone trigger.
    public var validHistory: [Double] = []
    public var averagingSinceEpoch: Int?
    public var rng: [UInt64]
    public var intervalLoss = 0.0
    public var intervalBatches = 0
    public var epochLoss = 0.0
    public var epochSeconds = 0.0
    public var trainingSeconds = 0.0
    public var metricsLines = 0
    public var finished = false
    /// Fine-tuning (the authors' `finetune.py`): averaged SGD from the start, stop
    /// at the non-monotone condition.
    public var finetune: Bool?
    /// Added to epoch numbers in `metrics.jsonl`, so that fine-tuning epochs follow
    /// the training epochs there (the log lines count from 1, like the authors').
    public var metricsEpochOffset: Int?

    public init(lr: Double, optimizer: OptimizerKind, rng: RandomSource) {
        self.lr = lr
        self.optimizer = optimizer
        self.rng = rng.state
    }
}

/// The optimiser in use; switching to averaging replaces `.sgd` by `.asgd`.
enum ActiveOptimizer {
    case sgd(SGD)
    case asgd(AveragedSGD)
    case adam(Adam)

    var kind: OptimizerKind {
        switch self { case .sgd: .sgd; case .asgd: .asgd; case .adam: .adam }
    }

    var averagedWeights: FloatBuffer? {
        if case .asgd(let a) = self { return a.average }
        return nil
    }

    mutating func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Double) {
        switch self {
        case .sgd(let s): s.step(weights: weights, gradients: gradients, lr: Float(lr))
        case .asgd(var a): a.step(weights: weights, gradients: gradients, lr: lr); self = .asgd(a)
        case .adam(var a): a.step(weights: weights, gradients: gradients, lr: lr); self = .adam(a)
        }
    }
}

extension TrainingState {
    /// Writes the state file atomically: scalars as JSON metadata, tensors as F32.
    /// `hidden`, the carried state of the whole batch, is saved mid-epoch.
    func write(to url: URL, model: AWDLSTMModel, optimizer: ActiveOptimizer, hidden: [[(name: String, buffer: FloatBuffer)]]?) throws {
        var state = self
        switch optimizer {
        case .sgd: break
        case .asgd(let a): (state.asgdSteps, state.asgdEta, state.asgdMu) = (a.stepCount, a.eta, a.mu)
        case .adam(let a): state.adamSteps = a.stepCount
        }
        state.optimizer = optimizer.kind
        var tensors = [SafeTensors.Tensor(name: "weights", shape: [model.weights.count],
                                          values: UnsafeBufferPointer(model.weights.buffer))]
        func add(_ name: String, _ b: FloatBuffer) {
            tensors.append(.init(name: name, shape: [b.count], values: UnsafeBufferPointer(b.buffer)))
        }
        switch optimizer {
        case .sgd: break
        case .asgd(let a): add("asgd.average", a.average)
        case .adam(let a): add("adam.m", a.m); add("adam.v", a.v)
        }
        if let hidden {
            for (l, tensors) in hidden.enumerated() {
                for (name, buffer) in tensors { add("hidden.\(l).\(name)", buffer) }
            }
        }
        let json = String(decoding: try JSONFormat.encoder().encode(state), as: UTF8.self)
        try SafeTensors.write(tensors, metadata: ["state": json, "format": "awd-lstm-state-1"], to: url)
    }

    /// Reads a state file, restoring weights and hidden state into `model` and
    /// returning the state with its optimiser. The model carries the hidden
    /// state of `columns` of the `batchSize` columns (a data-parallel rank's
    /// share; all of them by default), whatever rank count wrote the file.
    static func read(
        from url: URL, model: AWDLSTMModel, weightDecay: Float, batchSize: Int, columns: Range<Int>? = nil
    ) throws -> (TrainingState, ActiveOptimizer) {
        let columns = columns ?? 0..<batchSize
        let file = try SafeTensors(contentsOf: url)
        guard let json = file.metadata["state"],
              let state = try? JSONFormat.decoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw CheckpointError.notTrainingState(source: url.path)
        }
        guard RandomSource(state: state.rng) != nil else { throw CheckpointError.invalidGeneratorState(source: url.path) }
        let n = model.weights.count
        func load(_ name: String, _ b: FloatBuffer) throws {
            guard let shape = file.info(name)?.shape else { throw CheckpointError.missingTensor(source: url.path, tensor: name) }
            guard shape == [b.count] else {
                throw CheckpointError.shapeMismatch(source: url.path, tensor: name, shape: shape, expected: [b.count])
            }
            try file.requireFinite(name)
            try file.read(name, into: b.buffer)
        }
        try load("weights", model.weights)
        let optimizer: ActiveOptimizer
        switch state.optimizer {
        case .sgd: optimizer = .sgd(SGD(weightDecay: weightDecay))
        case .asgd:
            let a = AveragedSGD(parameterCount: n, weightDecay: weightDecay, stepCount: state.asgdSteps,
                                eta: state.asgdEta, mu: state.asgdMu)
            try load("asgd.average", a.average)
            optimizer = .asgd(a)
        case .adam:
            let a = Adam(parameterCount: n, weightDecay: weightDecay, stepCount: state.adamSteps)
            try load("adam.m", a.m)
            try load("adam.v", a.v)
            optimizer = .adam(a)
        }
        model.resetHidden(batchSize: columns.count)
        if state.epochInProgress {
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
