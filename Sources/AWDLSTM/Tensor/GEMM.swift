import CKernels

/// Row-major single-precision matrix products through CBLAS (`BLAS`).
///
/// Every matrix in the engine is row-major; the transposes are chosen so that
/// no operand is ever copied (`C = op(A) · op(B)`, `op` = identity or transpose).
///
/// BLAS runs on the calling thread; a large product is cut into one block of
/// rows (or columns) of C per pool thread. Each element of C is still one dot
/// product over the whole of k, so the split does not change what is summed.
enum GEMM {
    /// Products below this many multiply-adds run on one thread: splitting them
    /// costs more in synchronisation and smaller BLAS blocks than it saves.
    static let parallelThreshold = 1 << 20

    /// On Linux the BLAS is told when it loads to stay on the calling thread
    /// (its own idle threads would spin against the pool's workers); Accelerate
    /// threads internally, so there products are not split.
    private static let splits: Bool = {
        #if canImport(Darwin)
        return false
        #else
        return ParallelFor.workers > 1
        #endif
    }()

    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m×k` and `op(B)` is `k×n`.
    /// `lda`, `ldb`, `ldc` default to the dense row lengths of the stored matrices.
    /// `parallel: false` keeps the product on the calling thread (for callers
    /// that split the work themselves).
    static func multiply(
        m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
        _ b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0, parallel: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        let ldc = ldc ?? n
        if k == 0 {
            // BLAS leaves C untouched only for beta == 1; follow the maths instead.
            for i in 0..<m { let row = c + i * ldc; for j in 0..<n { row[j] *= beta } }
            return
        }
        let la = lda ?? (transposeA ? m : k)
        let lb = ldb ?? (transposeB ? k : n)
        let call = { (m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) in
            BLAS.sgemm(transposeA, transposeB, m, n, k, alpha, a, la, b, lb, beta, c, ldc)
        }
        let parts = splits && parallel && m * n * k >= parallelThreshold ? ParallelFor.workers : 1
        if parts == 1 {
            call(m, n, a, b, c)
        } else if m >= n {
            // Blocks of rows of C: rows of A (columns when A is stored transposed).
            ParallelFor.parts(parts) { p in
                let r = alignedRange(p, parts, m)
                if r.isEmpty { return }
                call(r.count, n, a + (transposeA ? r.lowerBound : r.lowerBound * la), b, c + r.lowerBound * ldc)
            }
        } else {
            // Blocks of columns of C: columns of B (rows when B is stored transposed).
            ParallelFor.parts(parts) { p in
                let r = alignedRange(p, parts, n)
                if r.isEmpty { return }
                call(m, r.count, a, b + (transposeB ? r.lowerBound * lb : r.lowerBound), c + r.lowerBound)
            }
        }
    }

    /// `y = alpha · op(A) · x + beta · y` for a row-major `rows × columns` matrix A
    /// (`op(A) = Aᵀ` when `transpose`): the backward recurrent product at batch 1, column sums.
    static func multiplyVector(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int, transpose: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        if rows == 0 || columns == 0 { return }
        let outputs = transpose ? columns : rows
        let parts = splits && rows * columns >= parallelThreshold ? ParallelFor.workers : 1
        ParallelFor.parts(parts) { p in
            let r = alignedRange(p, parts, outputs)
            if r.isEmpty { return }
            if transpose {
                multiplyVectorOnThisThread(a + r.lowerBound, rows: rows, columns: r.count, lda: columns,
                                           transpose: true, x, into: y + r.lowerBound, alpha: alpha, beta: beta)
            } else {
                multiplyVectorOnThisThread(a + r.lowerBound * columns, rows: r.count, columns: columns,
                                           lda: columns, x, into: y + r.lowerBound, alpha: alpha, beta: beta)
            }
        }
    }

    /// `y += A · x` for a dense row-major `rows × columns` A, on the calling
    /// thread, with the engine's own kernel (`awd_gemv_add`, which prefetches the
    /// rows; in the batch-1 recurrence it beats OpenBLAS's GEMV by about 10 %).
    @inline(__always)
    static func addMatrixVector(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
    ) {
        awd_gemv_add(a, rows, columns, columns, x, y)
    }

    /// `multiplyVector` on the calling thread: one block of a split product.
    @inline(__always)
    private static func multiplyVectorOnThisThread(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int, lda: Int, transpose: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        BLAS.sgemv(transpose, rows, columns, alpha, a, lda, x, beta, y)
    }

    /// `y[n] += alpha · Σ_rows A[rows×n]` — column sums, used for bias gradients.
    static func addColumnSums(
        of a: UnsafePointer<Float>, rows: Int, columns: Int,
        into y: UnsafeMutablePointer<Float>, alpha: Float = 1, ones: UnsafePointer<Float>
    ) {
        multiplyVector(a, rows: rows, columns: columns, transpose: true, ones, into: y, alpha: alpha, beta: 1)
    }
}
