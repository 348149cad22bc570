/// The embedding lookup with the authors' embedding dropout (`embedded_dropout`
/// in `embed_regularize.py`; Merity et al. 2017, §4.3, after Gal & Ghahramani
/// 2016): whole rows of the embedding matrix, i.e. whole word vectors, are
/// dropped, so a dropped word is dropped at every position of the batch.
///
/// The reference masks the whole `V×E` matrix; here the row factor is applied
/// to the gathered rows only, which gives the same values.
///
/// Forward: `x[r] = W[tok_r] · m[tok_r]` (`[rows, E]`), where `m` (`[V]`) holds 0
/// or `1/(1−dropoute)` per word. Backward scatters `dx[r] · m[tok_r]` into the
/// rows of `dW`. Without a mask, `m` is 1.
enum EmbeddingDropout {
    static func forward(
        tokens: UnsafePointer<Int32>, rows: Int, emsize e: Int,
        weight: UnsafePointer<Float>, rowMask: UnsafePointer<Float>?, into x: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let tok = Int(tokens[r])
            let src = weight + tok * e, dst = x + r * e
            if let m = rowMask {
                let scale = m[tok]
                for j in 0..<e { dst[j] = src[j] * scale }
            } else {
                dst.update(from: src, count: e)
            }
        }
    }

    static func backward(
        tokens: UnsafePointer<Int32>, rows: Int, emsize e: Int,
        gradOutput dx: UnsafePointer<Float>, rowMask: UnsafePointer<Float>?,
        gradWeight: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let tok = Int(tokens[r])
            let scale = rowMask?[tok] ?? 1
            if scale == 0 { continue }
            let dst = gradWeight + tok * e, src = dx + r * e
            if rowMask == nil {
                for j in 0..<e { dst[j] += src[j] }
            } else {
                for j in 0..<e { dst[j] += src[j] * scale }
            }
        }
    }
}
