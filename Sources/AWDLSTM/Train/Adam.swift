import Foundation

/// Adam as `torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay)`:
/// L2 weight decay added to the gradient, bias-corrected moments.
struct Adam: Optimizer, Sendable {
    /// L2 weight decay λ, added to the gradient as `g + λw`.
    var weightDecay: Float
    /// PyTorch's defaults: the moments' decay rates and the denominator's epsilon.
    let beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8
    /// Steps taken, for the bias correction.
    private(set) var stepCount = 0
    /// The first and second moment estimates (n floats each, the weights' layout).
    let m: FloatBuffer
    let v: FloatBuffer

    /// Zero moments for `parameterCount` weights, or saved ones after `stepCount` steps.
    init(parameterCount: Int, weightDecay: Float, stepCount: Int = 0) {
        self.weightDecay = weightDecay
        self.stepCount = stepCount
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    var kind: OptimizerKind { .adam }

    var state: OptimizerState {
        var s = OptimizerState(optimizer: .adam)
        s.adamSteps = stepCount
        return s
    }

    var buffers: [(name: String, buffer: FloatBuffer)] { [("adam.m", m), ("adam.v", v)] }

    mutating func step(weights: FloatBuffer, gradients: FloatBuffer, lr: Double) {
        stepCount += 1
        let c1 = 1 - Foundation.pow(beta1, Double(stepCount))
        let c2 = 1 - Foundation.pow(beta2, Double(stepCount))
        let stepSize = Float(lr / c1)
        let c2Root = Float(c2.squareRoot())
        let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon), wd = weightDecay
        let w = weights.pointer, g = gradients.pointer, mp = m.pointer, vp = v.pointer
        for i in 0..<weights.count {
            let grad = g[i] + wd * w[i]
            mp[i] = b1 * mp[i] + (1 - b1) * grad
            vp[i] = b2 * vp[i] + (1 - b2) * grad * grad
            w[i] -= stepSize * mp[i] / (vp[i].squareRoot() / c2Root + eps)
        }
    }
}
