/// A numerical check of the BLAS at start-up: the products the engine asks of
/// it — sgemm with A, B or neither transposed, with alpha, beta and leading
/// dimensions wider than the matrix (the blocks of a split product), and sgemv
/// plain and transposed with beta 1 — at small sizes, against a double-precision
/// reference. About 0.5 M multiply-adds: well under a millisecond of BLAS and a
/// few of reference. A core with wrong kernels for this CPU fails it, and a
/// run never trains on wrong arithmetic.
enum BLASSelfCheck {
    /// `C = alpha·op(A)·op(B) + beta·C`, row-major (the CBLAS argument order).
    typealias Sgemm = @Sendable (_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                              _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void
    /// `y = alpha·op(A)·x + beta·y`, row-major `rows × columns` A.
    typealias Sgemv = @Sendable (_ trans: Bool, _ rows: Int, _ columns: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
                              _ lda: Int, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) -> Void

    /// A product that disagrees with the reference.
    struct Failure: Error, Equatable, Sendable {
        /// e.g. "sgemm NT 67×93×131".
        var product: String
        /// Largest error over the tolerance, as a multiple of it.
        var errorOverTolerance: Double
    }

    /// (m, n, k, extra leading-dimension padding): a row (batch 1), tiny
    /// edges, and a block big enough for the main micro-kernel loops.
    static let gemmShapes = [(1, 40, 33, 0), (3, 5, 2, 0), (67, 93, 131, 5)]

    /// Runs every case; returns the first failure, or nil when all agree.
    static func run(sgemm: Sgemm, sgemv: Sgemv) -> Failure? {
        var rng = RandomSource(seed: 20_170_807)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }
        for (m, n, k, pad) in gemmShapes {
            for (ta, tb) in [(false, false), (false, true), (true, false)] {
                // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k).
                let (ar, ac) = ta ? (k, m) : (m, k), (br, bc) = tb ? (n, k) : (k, n)
                let (lda, ldb, ldc) = (ac + pad, bc + pad, n + pad)
                let a = values(ar * lda), b = values(br * ldb), c0 = values(m * ldc)
                let (alpha, beta): (Float, Float) = (0.75, pad > 0 ? 0.5 : 0)
                var c = c0
                c.withUnsafeMutableBufferPointer { sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, $0.baseAddress!, ldc) }
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0, size = 0.0
                        for p in 0..<k {
                            let x = Double(ta ? a[p * lda + i] : a[i * lda + p])
                            let y = Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                            s += x * y
                            size += abs(x * y)
                        }
                        let old = Double(c0[i * ldc + j])
                        let want = Double(alpha) * s + Double(beta) * old
                        worst = max(worst, abs(Double(c[i * ldc + j]) - want) / tolerance(k, Double(alpha) * size + abs(Double(beta) * old)))
                    }
                    // Padding between rows must be left alone.
                    for j in n..<ldc where c[i * ldc + j] != c0[i * ldc + j] { worst = .infinity }
                }
                if !(worst <= 1) {
                    return Failure(product: "sgemm \(ta ? "T" : "N")\(tb ? "T" : "N") \(m)×\(n)×\(k)", errorOverTolerance: worst)
                }
            }
        }
        let (rows, columns) = (77, 130)
        let a = values(rows * columns)
        for trans in [false, true] {
            let (inputs, outputs) = trans ? (rows, columns) : (columns, rows)
            let x = values(inputs), y0 = values(outputs)
            var y = y0
            y.withUnsafeMutableBufferPointer { sgemv(trans, rows, columns, -1.25, a, columns, x, 1, $0.baseAddress!) }
            var worst = 0.0
            for o in 0..<outputs {
                var s = 0.0, size = 0.0
                for i in 0..<inputs {
                    let v = Double(trans ? a[i * columns + o] : a[o * columns + i]) * Double(x[i])
                    s += v
                    size += abs(v)
                }
                let want = -1.25 * s + Double(y0[o])
                worst = max(worst, abs(Double(y[o]) - want) / tolerance(inputs, 1.25 * size + abs(Double(y0[o]))))
            }
            if !(worst <= 1) {
                return Failure(product: "sgemv \(trans ? "T" : "N") \(rows)×\(columns)", errorOverTolerance: worst)
            }
        }
        return nil
    }

    /// Float rounding of a k-term sum: each partial sum rounds once, so the
    /// error stays below (k + 2)·ε·Σ|terms| whatever order the kernel adds in.
    static func tolerance(_ k: Int, _ size: Double) -> Double {
        Double(k + 2) * Double(Float.ulpOfOne) * size + Double(Float.leastNormalMagnitude)
    }
}
