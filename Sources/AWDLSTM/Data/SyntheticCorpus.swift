import Foundation

/// A seeded, Zipf-distributed corpus with the shape of WikiText-103, for tests
/// and measurements where the real corpus is not at hand (it is not in the
/// shared data and is 180 MB to download).
///
/// Words are four or more lowercase letters spelling their frequency rank in
/// base 26 (`aaaa` is the most frequent), about the length of WikiText-103's
/// average token, so a file of N tokens has about 5·N bytes, like the real one.
/// Lines hold 1 to 100 words. Every word of the vocabulary occurs: those the
/// draws missed are appended to the training text as one last line, so the
/// built vocabulary has exactly `vocabulary` + 1 words (the words and `<eos>`).
@_spi(CLI) public struct SyntheticCorpus: Sendable {
    /// Distinct words (WikiText-103 has 267,734 besides `<eos>`).
    public var vocabulary = 267_734
    /// Words (without `<eos>`) per split; WikiText-103 has 103,227,021 training
    /// tokens in 1,801,350 lines, i.e. about 101.4 M words, and 217,646 / 245,569
    /// tokens in valid and test.
    public var trainWords = 101_425_671
    /// Words per split, as `trainWords`.
    public var validWords = 213_886
    /// Words per split, as `trainWords`.
    public var testWords = 241_211
    /// The Zipf exponent s: rank r is drawn with probability ∝ 1 / r^s.
    public var exponent = 1.0
    /// The seed of the draws: the same seed writes the same files.
    public var seed: UInt64 = 103

    /// WikiText-103's shape; change the fields for smaller corpora.
    public init() {}

    /// The spelling of rank `r`.
    static func word(_ r: Int) -> [UInt8] {
        var letters: [UInt8] = []
        var x = r
        repeat {
            letters.append(UInt8(ascii: "a") + UInt8(x % 26))
            x /= 26
        } while x > 0
        while letters.count < 4 { letters.append(UInt8(ascii: "a")) }
        return letters.reversed()
    }

    /// Writes `train.txt`, `valid.txt` and `test.txt` into `folder` (atomically each).
    /// Throws when the folder or a file cannot be written.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let zipf = ZipfDistribution(count: vocabulary, exponent: exponent)
        let spellings = (0..<vocabulary).map(Self.word)
        var rng = RandomSource(seed: seed)
        var seen = [Bool](repeating: false, count: vocabulary)
        for (name, words) in [("train.txt", trainWords), ("valid.txt", validWords), ("test.txt", testWords)] {
            var text = [UInt8]()
            text.reserveCapacity(words * 5 + words / 25 + 16)
            var left = words
            while left > 0 {
                let n = min(left, 1 + Int(rng.next() % 100))
                for k in 0..<n {
                    let r = zipf.sample(&rng)
                    seen[r] = true
                    if k > 0 { text.append(UInt8(ascii: " ")) }
                    text.append(contentsOf: spellings[r])
                }
                text.append(UInt8(ascii: "\n"))
                left -= n
            }
            if name == "train.txt" {
                let missing = (0..<vocabulary).filter { !seen[$0] }
                for (k, r) in missing.enumerated() {
                    if k > 0 { text.append(UInt8(ascii: " ")) }
                    text.append(contentsOf: spellings[r])
                }
                if !missing.isEmpty { text.append(UInt8(ascii: "\n")) }
            }
            try AtomicFile.write(Data(text), to: folder.appendingPathComponent(name))
        }
    }
}
