/// The authors' activation regularisers on the last LSTM layer.
///
/// AR  = α · mean(dropped_out²)                   over all `T·B·E` elements;
/// TAR = β · mean((raw_out[t+1] − raw_out[t])²)   over `(T−1)·B·E` elements.
/// AR penalises large (dropped) outputs; TAR penalises fast changes of the raw
/// output between steps. With `T = 1` TAR has no pairs and is 0.
enum ActivationRegularization {
    /// Returns `α · mean(x²)` and adds its gradient `2α/n · x` into `dx`.
    static func ar(
        _ x: UnsafePointer<Float>, count n: Int, alpha: Float, gradient dx: UnsafeMutablePointer<Float>?
    ) -> Double {
        if alpha == 0 || n == 0 { return 0 }
        let value = Double(alpha) * Pointwise.sumOfSquares(x, count: n) / Double(n)
        if let dx { Pointwise.addScaled(x, 2 * alpha / Float(n), count: n, into: dx) }
        return value
    }

    /// Returns `β · mean((x[t+1] − x[t])²)` for `steps` blocks of `width` elements
    /// and adds its gradient into `dx`.
    static func tar(
        _ x: UnsafePointer<Float>, steps: Int, width: Int, beta: Float,
        gradient dx: UnsafeMutablePointer<Float>?
    ) -> Double {
        if beta == 0 || steps < 2 || width == 0 { return 0 }
        let n = (steps - 1) * width
        let value = Double(beta) * Pointwise.sumOfSquaredDifferences(x + width, x, count: n) / Double(n)
        if let dx {
            let k = 2 * beta / Float(n)
            for t in 0..<(steps - 1) {
                // d/dx[t+1] += k(x[t+1] − x[t]);  d/dx[t] −= k(x[t+1] − x[t]).
                let a = x + t * width, b = a + width
                let da = dx + t * width, db = da + width
                for j in 0..<width {
                    let d = k * (b[j] - a[j])
                    db[j] += d
                    da[j] -= d
                }
            }
        }
        return value
    }
}
