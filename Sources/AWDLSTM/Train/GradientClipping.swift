/// Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_`: when the
/// L2 norm of all gradients together exceeds `maxNorm`, every gradient is
/// scaled by `maxNorm / (norm + 1e-6)`. Returns the norm before clipping.
enum GradientClipping {
    @discardableResult
    static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Double {
        let norm = Pointwise.sumOfSquares(gradients.pointer, count: gradients.count).squareRoot()
        let coefficient = Double(maxNorm) / (norm + 1e-6)
        if coefficient < 1 { Pointwise.scale(gradients.pointer, by: Float(coefficient), count: gradients.count) }
        return norm
    }
}
