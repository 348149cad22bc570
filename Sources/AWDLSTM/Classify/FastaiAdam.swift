import Foundation

/// fastai's `Adam` (`fastai/optimizer.py`) over parameter groups, with its
/// defaults: decoupled weight decay `p ← p·(1 − lr·wd)` (AdamW) with wd 0.01,
/// then the dampened moving averages of the gradient (`mom`) and of its square
/// (`sqr_mom` 0.99), and `p ← p − lr/(1 − mom^step) · avg / (√(sqr_avg/(1 − sqr_mom^step)) + eps)`,
/// eps 1e-5. Each group counts its own steps; a frozen group is not stepped.
/// As fastai's `Learner` does (`wd_bn_bias=False`), batch-norm parameters get no
/// weight decay.
final class FastaiAdam {
    var sqrMom: Double = 0.99, eps: Double = 1e-5, weightDecay: Double = 0.01

    /// A run of parameters in one buffer, with their gradients and whether weight decay applies.
    struct Segment {
        let weights: FloatBuffer, gradients: FloatBuffer
        let offset: Int, count: Int
        let decay: Bool
    }

    let groups: [[Segment]]
    /// Per group, per segment: `grad_avg` and `sqr_avg`.
    let gradAverages: [[FloatBuffer]], squareAverages: [[FloatBuffer]]
    /// Steps taken by each group.
    private(set) var steps: [Int]

    init(groups: [[Segment]]) {
        self.groups = groups
        gradAverages = groups.map { $0.map { FloatBuffer(count: $0.count) } }
        squareAverages = groups.map { $0.map { FloatBuffer(count: $0.count) } }
        steps = groups.map { _ in 0 }
    }

    /// One step of every group whose `trainable` entry is true, group `g` with
    /// learning rate `lr[g]` and momentum `mom`.
    func step(lr: [Double], mom: Double, trainable: [Bool]) {
        for g in groups.indices where trainable[g] {
            steps[g] += 1
            let debias1 = 1 - Foundation.pow(mom, Double(steps[g]))
            let debias2 = Float(1 - Foundation.pow(sqrMom, Double(steps[g])))
            let decay = Float(1 - lr[g] * weightDecay), stepSize = Float(-lr[g] / debias1)
            let m = Float(mom), dampM = Float(1 - mom), s = Float(sqrMom), dampS = Float(1 - sqrMom), e = Float(eps)
            for (i, seg) in groups[g].enumerated() {
                let p = seg.weights.pointer + seg.offset, grad = seg.gradients.pointer + seg.offset
                let avg = gradAverages[g][i].pointer, sq = squareAverages[g][i].pointer
                for j in 0..<seg.count {
                    if seg.decay { p[j] *= decay }
                    avg[j] = avg[j] * m + dampM * grad[j]
                    sq[j] = sq[j] * s + dampS * grad[j] * grad[j]
                    p[j] += stepSize * (avg[j] / ((sq[j] / debias2).squareRoot() + e))
                }
            }
        }
    }
}
