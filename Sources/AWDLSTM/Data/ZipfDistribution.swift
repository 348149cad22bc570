/// Zipf's law over word ranks: `P(rank r) ∝ 1 / (r + 1)^s` for `r` in `0..<count`,
/// sampled by inverting the cumulative distribution (a binary search in a table
/// of `count` doubles). Natural text follows it with `s` close to 1; the
/// benchmarks and the synthetic WikiText-103-sized corpus draw their words from it.
struct ZipfDistribution: Sendable {
    let count: Int
    let exponent: Double
    /// `cumulative[r] = P(rank ≤ r)`; the last entry is 1.
    private let cumulative: [Double]

    init(count: Int, exponent: Double = 1) {
        precondition(count >= 1 && exponent >= 0)
        self.count = count
        self.exponent = exponent
        var c = [Double](repeating: 0, count: count)
        var sum = 0.0
        for r in 0..<count {
            sum += 1 / pow(Double(r + 1), exponent)
            c[r] = sum
        }
        for r in 0..<count { c[r] /= sum }
        c[count - 1] = 1
        cumulative = c
    }

    /// P(rank ≤ r).
    func cumulativeProbability(_ r: Int) -> Double { cumulative[r] }

    /// A rank drawn from the distribution.
    @inline(__always)
    func sample(_ rng: inout RandomSource) -> Int {
        let u = rng.uniform()
        var lo = 0, hi = count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
