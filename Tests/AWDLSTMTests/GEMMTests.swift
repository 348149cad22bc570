import XCTest
@testable import AWDLSTM

/// The GEMM and matrix-vector wrappers in every transpose combination, with
/// alpha and beta, against a double-precision reference.
final class GEMMTests: XCTestCase {
    func reference(_ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ ta: Bool, _ b: [Float], _ tb: Bool,
                   _ c: [Float], _ alpha: Float, _ beta: Float) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = ta ? a[p * m + i] : a[i * k + p]
                    let y = tb ? b[j * k + p] : b[p * n + j]
                    s += Double(x) * Double(y)
                }
                out[i * n + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * n + j]))
            }
        }
        return out
    }

    func testProductsMatchTheReference() {
        var rng = RandomSource(seed: 4)
        for (m, n, k) in [(300, 97, 120), (45, 500, 130), (1, 700, 3000)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
                    let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                    let c = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                    var got = c
                    got.withUnsafeMutableBufferPointer { cp in
                        GEMM.multiply(m: m, n: n, k: k, a, transposeA: ta, b, transposeB: tb,
                                      into: cp.baseAddress!, alpha: 0.5, beta: 2)
                    }
                    let want = reference(m, n, k, a, ta, b, tb, c, 0.5, 2)
                    XCTAssertLessThan(scaledMaxError(got, want), 1e-5, "m \(m) n \(n) k \(k) ta \(ta) tb \(tb)")
                }
            }
        }
    }

    func testMatrixVectorProducts() {
        var rng = RandomSource(seed: 5)
        let rows = 1600, columns = 900
        let a = (0..<(rows * columns)).map { _ in rng.uniform(-1, 1) }
        for transpose in [false, true] {
            let x = (0..<(transpose ? rows : columns)).map { _ in rng.uniform(-1, 1) }
            let y0 = (0..<(transpose ? columns : rows)).map { _ in rng.uniform(-1, 1) }
            var got = y0
            got.withUnsafeMutableBufferPointer {
                GEMM.multiplyVector(a, rows: rows, columns: columns, transpose: transpose, x, into: $0.baseAddress!, beta: 1)
            }
            let want = transpose
                ? reference(1, columns, rows, x, false, a, false, y0, 1, 1)
                : reference(1, rows, columns, x, false, a, true, y0, 1, 1)
            XCTAssertLessThan(scaledMaxError(got, want), 1e-5, "transpose \(transpose)")
        }
    }

    func testOwnMatrixVectorKernel() {
        // Row counts around the kernel's blocks of four, column counts around its
        // 16 lanes, and the paper model's 1150.
        var rng = RandomSource(seed: 6)
        for (rows, columns) in [(1, 1), (3, 15), (4, 16), (7, 17), (13, 33), (9, 1150)] {
            let a = (0..<(rows * columns)).map { _ in rng.uniform(-1, 1) }
            let x = (0..<columns).map { _ in rng.uniform(-1, 1) }
            let y0 = (0..<rows).map { _ in rng.uniform(-1, 1) }
            var got = y0
            got.withUnsafeMutableBufferPointer {
                GEMM.addMatrixVector(a, rows: rows, columns: columns, x, into: $0.baseAddress!)
            }
            let want = reference(1, rows, columns, x, false, a, true, y0, 1, 1)
            XCTAssertLessThan(scaledMaxError(got, want), 1e-5, "rows \(rows) columns \(columns)")
        }
    }
}
