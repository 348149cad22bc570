import Foundation
import XCTest
@testable import AWDLSTM

/// The vector transcendental functions against the platform's libm.
final class VectorMathTests: XCTestCase {
    func testAgainstLibm() {
        // 82,073 points (not a multiple of the vector width, so the tail path runs too).
        let xs = (0..<82_073).map { Float(-30 + Double($0) * 0.000_731) }
        let e = VectorMath.exp(xs), t = VectorMath.tanh(xs), s = VectorMath.sigmoid(xs)
        var worstExp = 0.0, worstTanh = 0.0, worstSigmoid = 0.0
        for (k, f) in xs.enumerated() {
            let te = Foundation.exp(Double(f))
            worstExp = max(worstExp, abs(Double(e[k]) - te) / te)
            let tt = Foundation.tanh(Double(f))
            worstTanh = max(worstTanh, abs(Double(t[k]) - tt) / max(abs(tt), 1e-30))
            let ts = 1 / (1 + Foundation.exp(-Double(f)))
            worstSigmoid = max(worstSigmoid, abs(Double(s[k]) - ts) / ts)
        }
        XCTAssertLessThan(worstExp, 3e-7)
        XCTAssertLessThan(worstTanh, 1e-6)
        XCTAssertLessThan(worstSigmoid, 1e-6)
        XCTAssertEqual(VectorMath.tanh([0, -1e-20]), [0, -1e-20])
        XCTAssertEqual(VectorMath.exp([-200])[0], VectorMath.exp([-87.33654])[0])
        XCTAssertTrue(VectorMath.exp([100])[0].isFinite)
    }

    func testRandomSourceIsReproducible() {
        var a = RandomSource(seed: 42), b = RandomSource(seed: 42)
        for _ in 0..<1000 { XCTAssertEqual(a.next(), b.next()) }
        var c = RandomSource(state: a.state)!
        XCTAssertEqual(c.next(), a.next())
        var sum = 0.0, sq = 0.0
        for _ in 0..<20000 { let v = c.normal(); sum += v; sq += v * v }
        XCTAssertEqual(sum / 20000, 0, accuracy: 0.03)
        XCTAssertEqual(sq / 20000, 1, accuracy: 0.05)
    }
}
