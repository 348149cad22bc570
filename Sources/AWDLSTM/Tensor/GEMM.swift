import CBLAS

/// Row-major single-precision matrix products through CBLAS.
///
/// Every matrix in the engine is row-major; the transposes are chosen so that
/// no operand is ever copied (`C = op(A) · op(B)`, `op` = identity or transpose).
public enum GEMM {
    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m×k` and `op(B)` is `k×n`.
    /// `lda`, `ldb`, `ldc` default to the dense row lengths of the stored matrices.
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
        _ b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched only for beta == 1; follow the maths instead.
            for i in 0..<m { let row = c + i * (ldc ?? n); for j in 0..<n { row[j] *= beta } }
            return
        }
        let la = lda ?? (transposeA ? m : k)
        let lb = ldb ?? (transposeB ? k : n)
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(la), b, Int32(lb),
            beta, c, Int32(ldc ?? n))
    }

    /// `y = alpha · op(A) · x + beta · y` for a row-major `rows × columns` matrix A
    /// (`op(A) = Aᵀ` when `transpose`): the recurrent product at batch size 1.
    public static func multiplyVector(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int, transpose: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
                    alpha, a, Int32(columns), x, 1, beta, y, 1)
    }

    /// `y[n] += alpha · Σ_rows A[rows×n]` — column sums, used for bias gradients.
    public static func addColumnSums(
        of a: UnsafePointer<Float>, rows: Int, columns: Int,
        into y: UnsafeMutablePointer<Float>, alpha: Float = 1, ones: UnsafePointer<Float>
    ) {
        if rows == 0 || columns == 0 { return }
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns),
                    alpha, a, Int32(columns), ones, 1, 1, y, 1)
    }
}
