import XCTest
@testable import AWDLSTM

/// Sampled dropout masks: the keep rate, the scale, determinism per generator
/// state, and, for masks long enough to be filled block by block in parallel,
/// blocks that differ from one another and one draw taken from the generator.
final class DropoutMaskTests: XCTestCase {
    private func sample(_ count: Int, p: Float, seed: UInt64) -> (mask: [Float], rng: RandomSource) {
        var rng = RandomSource(seed: seed)
        var mask = [Float](repeating: -1, count: count)
        mask.withUnsafeMutableBufferPointer { sampleDropoutMask($0.baseAddress!, count: count, p: p, rng: &rng) }
        return (mask, rng)
    }

    func testKeepRateAndScale() {
        for (count, p) in [(40_001, Float(0.65)), (5_290_000, Float(0.5)), (5_290_000, Float(0.1))] {
            let (mask, _) = sample(count, p: p, seed: 9)
            let scale = 1 / (1 - p)
            XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == scale }, "values other than 0 and 1/(1−p)")
            let kept = Double(mask.filter { $0 != 0 }.count) / Double(count)
            // Five standard deviations of a binomial proportion.
            let sd = (Double(p) * (1 - Double(p)) / Double(count)).squareRoot()
            XCTAssertEqual(kept, 1 - Double(p), accuracy: 5 * sd, "count \(count) p \(p)")
        }
    }

    func testLongMasksAreRepeatableAndBlocksDiffer() {
        let count = 5_290_000
        let a = sample(count, p: 0.5, seed: 3), b = sample(count, p: 0.5, seed: 3)
        XCTAssertEqual(a.mask, b.mask)
        // One draw from the generator seeds all the blocks.
        var expected = RandomSource(seed: 3)
        _ = expected.next()
        var after = a.rng
        XCTAssertEqual(after.next(), expected.next())
        let block = 1 << 16
        XCTAssertNotEqual(Array(a.mask[0..<block]), Array(a.mask[block..<(2 * block)]))
        XCTAssertNotEqual(a.mask, sample(count, p: 0.5, seed: 4).mask)
    }
}
