/// A seedable, serialisable pseudo-random generator (xoshiro256**, seeded by
/// SplitMix64). The same seed gives the same stream on every platform and run;
/// its four words of state are stored in the training checkpoint so that a
/// resumed run draws exactly the numbers the uninterrupted run would have.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four state words, for checkpoints.
    var state: [UInt64] { [s0, s1, s2, s3] }

    /// The generator of `seed`: its state is SplitMix64's first four outputs from `seed`.
    public init(seed: UInt64) {
        var z = seed
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s[i] = x ^ (x >> 31)
        }
        (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3])
    }

    /// Restores a generator from `state` (four words); nil for any other length.
    init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256** 1.0, Blackman & Vigna).
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(uniform())
    }

    /// Standard normal by Box–Muller (one draw per call, no cached twin, so the
    /// stream position depends only on the number of calls).
    mutating func normal(mean: Double = 0, std: Double = 1) -> Double {
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        return mean + std * (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// True with probability `p`.
    mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
