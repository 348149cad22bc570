/// How `InferenceSession.generate` draws each next word from the model's
/// distribution `p` (fastai's `LMLearner.predict`, with the top-k and nucleus
/// filters of Holtzman et al. 2020 added):
///
/// 1. `noUnknown`: the unknown token's probability is set to 0 (fastai's `no_unk`);
/// 2. temperature `T`: `p_i^{1/T}` (fastai's `res.pow_(1 / temperature)`, the same
///    as dividing the log-probabilities by `T`);
/// 3. `topK`: only the `k` most likely words are kept;
/// 4. `topP`: only the smallest set of most likely words whose probability, renormalised,
///    adds up to at least `p` is kept;
/// 5. a word is drawn in proportion to what is left.
///
/// ```swift
/// var options = SamplingOptions(temperature: 0.8, topK: 40, topP: 0.95, seed: 7)
/// options.stopWord = "<eos>"
/// let words = try session.generate(after: "the market", count: 20, options: options) { token in
///     print(token.word, terminator: " "); return true
/// }
/// ```
public struct SamplingOptions: Sendable, Equatable {
    /// Below 1 sharper, above 1 flatter; positive and finite (default 1).
    public var temperature: Double
    /// Keep only the `topK` most likely words (nil: all); at least 1. `topK` 1 is greedy (argmax).
    public var topK: Int?
    /// Keep only the nucleus of probability `topP` (nil: all); in (0, 1].
    public var topP: Double?
    /// Never draw the vocabulary's unknown token (fastai's `no_unk`, default true there and here).
    public var noUnknown: Bool
    /// Generation ends when this word is drawn; it is not emitted (nil: none).
    public var stopWord: String?
    /// Seed of the draws: the same seed, model and text give the same words.
    public var seed: UInt64

    /// Options with fastai's defaults unless given.
    public init(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, noUnknown: Bool = true,
                stopWord: String? = nil, seed: UInt64 = 1111) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.noUnknown = noUnknown
        self.stopWord = stopWord
        self.seed = seed
    }

    /// Throws `ConfigurationError.invalid` naming the first field out of range:
    /// `temperature` not positive and finite, `topK` below 1, `topP` outside (0, 1].
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(temperature > 0 && temperature.isFinite, "temperature", temperature, .positiveAndFinite)
        if let topK { try ConfigurationError.require(topK >= 1, "top_k", topK, .atLeast(1)) }
        if let topP { try ConfigurationError.require(topP > 0 && topP <= 1, "top_p", topP, .probabilityMass) }
    }

    /// The unnormalised weights to draw from, `[V]`, from one row of
    /// log-probabilities (steps 1–4 above); `unknown` is the unknown token's id
    /// when the vocabulary has one. At least one weight is positive unless every
    /// word is excluded (a vocabulary of only the unknown token).
    func weights(_ logProbabilities: ArraySlice<Float>, unknown: Int32?) -> [Double] {
        let v = logProbabilities.count
        let base = logProbabilities.startIndex
        // exp((l_i − max l) / T): ≤ 1, so no temperature overflows; the largest gets weight 1.
        var m = -Double.infinity
        for i in 0..<v where !(noUnknown && Int32(i) == unknown) { m = max(m, Double(logProbabilities[base + i])) }
        var w = [Double](repeating: 0, count: v)
        guard m > -.infinity else { return w }
        for i in 0..<v where !(noUnknown && Int32(i) == unknown) {
            w[i] = exp((Double(logProbabilities[base + i]) - m) / temperature)
        }
        if topK != nil || topP != nil {
            // Most likely first; ties by id so that the cut is deterministic.
            let order = (0..<v).sorted { w[$0] != w[$1] ? w[$0] > w[$1] : $0 < $1 }
            var keep = min(topK ?? v, v)
            if let topP {
                let total = order.prefix(keep).reduce(0) { $0 + w[$1] }
                var sum = 0.0, n = 0
                while n < keep { sum += w[order[n]]; n += 1; if sum >= topP * total { break } }
                keep = n
            }
            for i in order[keep...] { w[i] = 0 }
        }
        return w
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
