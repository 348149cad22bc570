/// Token embedding with the authors' embedding dropout, applied to the gathered
/// rows instead of masking the whole `V×E` matrix.
///
/// Forward: `x[t,b] = W[tok] · m_e[tok] · m_i[b]`, where `m_e` drops whole
/// vocabulary rows (the same word is dropped everywhere in the batch) and `m_i`
/// is the locked `dropouti` mask. Backward scatters `dx · m_e · m_i` back into
/// the rows of `dW`.
enum Embedding {
    static func forward(
        tokens: UnsafePointer<Int32>, rows: Int, batch: Int, emsize e: Int,
        weight: UnsafePointer<Float>, rowMask: UnsafePointer<Float>?, inputMask: UnsafePointer<Float>?,
        into x: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let tok = Int(tokens[r])
            let src = weight + tok * e
            let dst = x + r * e
            let rowScale = rowMask?[tok] ?? 1
            if let m = inputMask {
                let mb = m + (r % batch) * e
                for j in 0..<e { dst[j] = src[j] * rowScale * mb[j] }
            } else {
                for j in 0..<e { dst[j] = src[j] * rowScale }
            }
        }
    }

    static func backward(
        tokens: UnsafePointer<Int32>, rows: Int, batch: Int, emsize e: Int,
        gradOutput dx: UnsafePointer<Float>, rowMask: UnsafePointer<Float>?,
        inputMask: UnsafePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let tok = Int(tokens[r])
            let rowScale = rowMask?[tok] ?? 1
            if rowScale == 0 { continue }
            let dst = gradWeight + tok * e
            let src = dx + r * e
            if let m = inputMask {
                let mb = m + (r % batch) * e
                for j in 0..<e { dst[j] += src[j] * mb[j] * rowScale }
            } else {
                for j in 0..<e { dst[j] += src[j] * rowScale }
            }
        }
    }
}
