/// Whether a corpus is character-level, read off its vocabulary, so that bits
/// per character lead where perplexity would for words (the plot of a run;
/// every log line and JSON result carries both anyway).
///
/// A vocabulary is character-level when, apart from `<eos>` and `<unk>`, it
/// has at least one token and every token is either
/// - a single character (one extended grapheme cluster): the authors' PTB
///   characters (`a e r _ b a n k …`, `_` between words), or
/// - a byte written in decimal, 0–255: the authors' enwik8 format (`prepare enwik8`).
extension Vocabulary {
    /// Whether this is a character-level vocabulary (see the extension's description).
    public var isCharacterLevel: Bool {
        let tokens = words.filter { $0 != Self.endOfSentence && $0 != Self.unknown }
        guard !tokens.isEmpty else { return false }
        return tokens.allSatisfy { $0.count == 1 } || tokens.allSatisfy(Self.isByteValue)
    }

    /// "0" … "255" in canonical decimal.
    private static func isByteValue(_ token: String) -> Bool {
        guard let v = UInt8(token) else { return false }
        return String(v) == token
    }
}
