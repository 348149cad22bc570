/// The optimisers of the authors' `main.py`, each a single loop over the flat
/// parameter buffer. Weight decay is L2 added to the gradient inside the step
/// (after clipping), as `torch.optim` does.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, asgd, adam
}

/// An optimiser over the model's flat parameter buffer (`AWDLSTMModel.weights`,
/// `n` floats, and the gradients of the same layout).
///
/// The learning rate is a `Double`, the one of the step: the trainer's base
/// rate scaled for the window length (`VariableBPTT.learningRate`). Each
/// optimiser converts it to `Float` where its arithmetic is in `Float`.
protocol Optimizer {
    /// Which optimiser this is (written in the state file).
    var kind: OptimizerKind { get }

    /// One update of `weights` (n floats) from `gradients` (n floats, already
    /// clipped). Only `weights` and the optimiser's own buffers change.
    mutating func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Double)

    /// The weights to evaluate and save instead of the current ones: averaged
    /// SGD's running average (n floats); nil for the others.
    var averagedWeights: FloatBuffer? { get }

    /// The counters a checkpoint keeps to continue exactly.
    var state: OptimizerState { get }

    /// The buffers a checkpoint keeps (n floats each), by tensor name in
    /// `state.safetensors`.
    var buffers: [(name: String, buffer: FloatBuffer)] { get }
}

extension Optimizer {
    var averagedWeights: FloatBuffer? { nil }
    var buffers: [(name: String, buffer: FloatBuffer)] { [] }
}

/// The scalar state of an optimiser: which one, and its step counters. Stored
/// in the JSON of `state.safetensors` under these names (beside the trainer's
/// `TrainingState`); the optimiser's buffers are tensors of the same file.
struct OptimizerState: Codable, Equatable, Sendable {
    /// The optimiser in use.
    var optimizer: OptimizerKind
    /// Averaged SGD's `stepCount`, `eta` and `mu`.
    var asgdSteps = 0
    var asgdEta = 0.0
    var asgdMu = 1.0
    /// Adam's `stepCount`.
    var adamSteps = 0

    /// The state of a fresh optimiser of this kind.
    init(optimizer: OptimizerKind) { self.optimizer = optimizer }

    /// The optimiser this state describes, over `parameterCount` weights; its
    /// buffers are zero until a checkpoint's are loaded into them.
    func makeOptimizer(parameterCount: Int, weightDecay: Float) -> any Optimizer {
        switch optimizer {
        case .sgd: SGD(weightDecay: weightDecay)
        case .asgd: AveragedSGD(parameterCount: parameterCount, weightDecay: weightDecay, stepCount: asgdSteps, eta: asgdEta, mu: asgdMu)
        case .adam: Adam(parameterCount: parameterCount, weightDecay: weightDecay, stepCount: adamSteps)
        }
    }
}

/// Plain SGD: `w −= lr · (g + λw)`.
struct SGD: Optimizer, Sendable {
    /// L2 weight decay λ.
    var weightDecay: Float
    init(weightDecay: Float) { self.weightDecay = weightDecay }

    var kind: OptimizerKind { .sgd }
    var state: OptimizerState { OptimizerState(optimizer: .sgd) }

    func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Double) {
        let w = weights.pointer, g = gradients.pointer
        let lr = Float(lr), wd = weightDecay
        for i in 0..<weights.count { w[i] -= lr * (g[i] + wd * w[i]) }
    }
}
