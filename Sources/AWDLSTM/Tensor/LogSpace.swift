import Foundation

/// Sums of probabilities kept as logarithms, so that terms far below the
/// smallest double still count.
enum LogSpace {
    /// `log(exp(a) + exp(b))` without overflow or underflow: the larger term
    /// factored out, `max + log1p(exp(min − max))`. −∞ stands for probability 0.
    static func add(_ a: Double, _ b: Double) -> Double {
        let high = max(a, b), low = min(a, b)
        if high == -.infinity { return high }
        return high + Foundation.log1p(Foundation.exp(low - high))
    }
}
