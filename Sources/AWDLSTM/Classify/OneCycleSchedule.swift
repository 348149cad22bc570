import Foundation

/// fastai's `fit_one_cycle` schedule (Smith 2018; `fastai/callback/schedule.py`):
/// over the whole fit, the learning rate rises from `lrMax / div` to `lrMax`
/// along a half cosine in the first `pctStart` of the steps, then falls to
/// `lrMax / divFinal`; the momentum goes the opposite way, `moms.0 → moms.1 →
/// moms.2`. With discriminative learning rates each parameter group has its own
/// `lrMax` (fastai's `slice(lo, hi)`, `discriminativeRates`).
public struct OneCycleSchedule: Sendable, Equatable {
    /// The peak learning rate of each parameter group.
    public var lrMax: [Double]
    public var div: Double = 25, divFinal: Double = 1e5, pctStart: Double = 0.25
    /// `(start, middle, end)` momenta: ULMFiT's `(0.8, 0.7, 0.8)` (fastai's `TextLearner`).
    public var moms: (Double, Double, Double) = (0.8, 0.7, 0.8)

    public init(lrMax: [Double], div: Double = 25, divFinal: Double = 1e5, pctStart: Double = 0.25,
                moms: (Double, Double, Double) = (0.8, 0.7, 0.8)) {
        self.lrMax = lrMax
        self.div = div
        self.divFinal = divFinal
        self.pctStart = pctStart
        self.moms = moms
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.lrMax == b.lrMax && a.div == b.div && a.divFinal == b.divFinal && a.pctStart == b.pctStart
            && a.moms == b.moms
    }

    /// fastai's learning rates for `slice(lo, hi)` over `groups` groups
    /// (`even_mults`): geometric from `lo` to `hi`.
    public static func discriminativeRates(lo: Double, hi: Double, groups: Int) -> [Double] {
        guard groups > 1 else { return [hi] }
        let step = Foundation.pow(hi / lo, 1 / Double(groups - 1))
        return (0..<groups).map { lo * Foundation.pow(step, Double($0)) }
    }

    /// The position of step `step` (0-based) of `total`, as fastai's
    /// `TrainEvalCallback` accumulates it (`pct_train += 1/total` after each step).
    public static func position(step: Int, total: Int) -> Double {
        var pos = 0.0
        for _ in 0..<step { pos += 1 / Double(total) }
        return pos
    }

    /// The learning rate of each group and the momentum at position `pos` in [0, 1].
    public func values(at pos: Double) -> (lr: [Double], mom: Double) {
        let (phase, t) = phaseAndProgress(pos)
        let lr = lrMax.map { m in
            phase == 0 ? Self.cosine(m / div, m, t) : Self.cosine(m, m / divFinal, t)
        }
        let mom = phase == 0 ? Self.cosine(moms.0, moms.1, t) : Self.cosine(moms.1, moms.2, t)
        return (lr, mom)
    }

    /// fastai's `combine_scheds([pct, 1-pct], …)`: which half, and the position in
    /// it, computed in float32 as fastai's tensor of boundaries does.
    private func phaseAndProgress(_ pos: Double) -> (Int, Double) {
        let bounds: [Float] = [0, Float(pctStart), Float(pctStart) + Float(1 - pctStart)]
        let p = Float(pos)
        let phase = p >= bounds[1] ? 1 : 0
        return (phase, Double((p - bounds[phase]) / (bounds[phase + 1] - bounds[phase])))
    }

    /// fastai's `sched_cos`: half a cosine from `start` to `end`.
    static func cosine(_ start: Double, _ end: Double, _ pos: Double) -> Double {
        start + (1 + Foundation.cos(Double.pi * (1 - pos))) * (end - start) / 2
    }
}
