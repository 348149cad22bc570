import Foundation

/// ULMFiT's classifier schedule with gradual unfreezing (Howard & Ruder 2018,
/// §3.3), as fastai's text tutorial runs it: one epoch with only the head
/// trainable at 2e-2, then `freeze_to(-2)` and `freeze_to(-3)` for one epoch each
/// with discriminative rates `slice(lr/2.6⁴, lr)` at 1e-2 and 5e-3, then
/// everything for two epochs at 1e-3. Each stage is a `fit_one_cycle`.
public struct ULMFiTRecipe: Sendable, Equatable, Codable {
    /// One `fit_one_cycle` call after `freeze_to(freezeTo)` (0: all trainable).
    public struct Stage: Sendable, Equatable, Codable {
        public var freezeTo: Int
        public var epochs: Int
        /// The last group's peak rate; the others get `lr / 2.6^(groups−1−g)`
        /// when `discriminative`, else the same rate.
        public var lr: Double
        public var discriminative: Bool

        public init(freezeTo: Int, epochs: Int, lr: Double, discriminative: Bool) {
            self.freezeTo = freezeTo
            self.epochs = epochs
            self.lr = lr
            self.discriminative = discriminative
        }

        /// The peak rate of each of `groups` groups (fastai's `slice(lr/2.6**4, lr)`
        /// spreads five groups geometrically, the factor between neighbours 2.6).
        public func rates(groups: Int) -> [Double] {
            guard discriminative else { return Array(repeating: lr, count: groups) }
            return OneCycleSchedule.discriminativeRates(lo: lr / Foundation.pow(2.6, 4), hi: lr, groups: groups)
        }
    }

    public var stages: [Stage]

    public init(stages: [Stage]) { self.stages = stages }

    /// The tutorial's four stages, with `scale` times its learning rates.
    public static func fastai(scale: Double = 1) -> ULMFiTRecipe {
        ULMFiTRecipe(stages: [
            Stage(freezeTo: -1, epochs: 1, lr: 2e-2 * scale, discriminative: false),
            Stage(freezeTo: -2, epochs: 1, lr: 1e-2 * scale, discriminative: true),
            Stage(freezeTo: -3, epochs: 1, lr: 5e-3 * scale, discriminative: true),
            Stage(freezeTo: 0, epochs: 2, lr: 1e-3 * scale, discriminative: true),
        ])
    }
}
