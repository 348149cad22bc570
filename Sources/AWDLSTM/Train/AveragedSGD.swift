/// Averaged SGD as `torch.optim.ASGD(lr, t0=0, lambd=0, weight_decay)`, the
/// optimiser NT-ASGD switches to.
///
/// Each step is a plain SGD step followed by a running average of the iterates
/// (`ax`). Reproducing PyTorch exactly: the step size `eta` is the learning rate
/// of the *previous* step (PyTorch updates `eta` after using it; the first step
/// uses its own rate), and the averaging weight `mu` is 1 for the first two
/// steps, then `1/(k−1)` at step k — so after k ≥ 2 steps `ax` is the mean of the
/// iterates w₂ … w_k.
struct AveragedSGD: Optimizer, Sendable {
    /// L2 weight decay λ, added to the gradient as `g + λw`.
    var weightDecay: Float
    /// Steps taken.
    private(set) var stepCount = 0
    /// The step size of the next step (PyTorch's `eta`: the previous step's learning rate).
    private(set) var eta: Double = 0
    /// The averaging weight of the next step (PyTorch's `mu`).
    private(set) var mu: Double = 1
    /// The averaged weights, same layout as the model's.
    let average: FloatBuffer

    /// A fresh average (zero until the first step) over `parameterCount` weights.
    init(parameterCount: Int, weightDecay: Float) {
        self.weightDecay = weightDecay
        average = FloatBuffer(count: parameterCount)
    }

    /// Restores a saved state (see `OptimizerState`).
    init(parameterCount: Int, weightDecay: Float, stepCount: Int, eta: Double, mu: Double) {
        self.init(parameterCount: parameterCount, weightDecay: weightDecay)
        self.stepCount = stepCount
        self.eta = eta
        self.mu = mu
    }

    var kind: OptimizerKind { .asgd }
    var averagedWeights: FloatBuffer? { average }

    var state: OptimizerState {
        var s = OptimizerState(optimizer: .asgd)
        (s.asgdSteps, s.asgdEta, s.asgdMu) = (stepCount, eta, mu)
        return s
    }

    var buffers: [(name: String, buffer: FloatBuffer)] { [("asgd.average", average)] }

    mutating func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Double) {
        if stepCount == 0 { eta = lr }
        stepCount += 1
        let w = weights.pointer, g = gradients.pointer, ax = average.pointer
        let e = Float(eta), wd = weightDecay
        let n = weights.count
        for i in 0..<n { w[i] -= e * (g[i] + wd * w[i]) }
        if mu != 1 {
            let m = Float(mu)
            for i in 0..<n { ax[i] += (w[i] - ax[i]) * m }
        } else {
            ax.update(from: w, count: n)
        }
        eta = lr  // lambd = 0: eta = lr / (1 + 0)^0.75
        mu = 1 / Double(max(1, stepCount))
    }
}
