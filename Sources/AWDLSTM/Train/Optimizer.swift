/// The optimisers of the authors' `main.py`, each a single loop over the flat
/// parameter buffer. Weight decay is L2 added to the gradient inside the step
/// (after clipping), as `torch.optim` does.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, asgd, adam
}

/// Plain SGD: `w −= lr · (g + λw)`.
public struct SGD: Sendable {
    public var weightDecay: Float
    public init(weightDecay: Float) { self.weightDecay = weightDecay }

    public func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Float) {
        let w = weights.pointer, g = gradients.pointer
        let wd = weightDecay
        for i in 0..<weights.count { w[i] -= lr * (g[i] + wd * w[i]) }
    }
}
