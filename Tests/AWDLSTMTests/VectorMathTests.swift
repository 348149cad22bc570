import Foundation
import XCTest
import AWDLSTM

/// The vector transcendental functions against the platform's libm.
final class VectorMathTests: XCTestCase {
    func testAgainstLibm() {
        var worstExp = 0.0, worstTanh = 0.0, worstSigmoid = 0.0
        var x = -30.0
        while x <= 30 {
            let f = Float(x)
            let e = Double(VectorMath.exp(f)), te = Foundation.exp(Double(f))
            worstExp = max(worstExp, abs(e - te) / te)
            let t = Double(VectorMath.tanh(f)), tt = Foundation.tanh(Double(f))
            worstTanh = max(worstTanh, abs(t - tt) / max(abs(tt), 1e-30))
            let s = Double(VectorMath.sigmoid(f)), ts = 1 / (1 + Foundation.exp(-Double(f)))
            worstSigmoid = max(worstSigmoid, abs(s - ts) / ts)
            x += 0.000_731
        }
        XCTAssertLessThan(worstExp, 3e-7)
        XCTAssertLessThan(worstTanh, 1e-6)
        XCTAssertLessThan(worstSigmoid, 1e-6)
        XCTAssertEqual(VectorMath.tanh(0), 0)
        XCTAssertEqual(VectorMath.tanh(-1e-20), -1e-20)
        XCTAssertEqual(VectorMath.exp(-200), VectorMath.exp(-87.33654))
        XCTAssertTrue(VectorMath.exp(100).isFinite)
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
