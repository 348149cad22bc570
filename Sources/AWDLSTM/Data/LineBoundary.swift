/// How text read with a trained vocabulary marks its lines, following the
/// convention the vocabulary was built with, so that text scored or sampled
/// looks like the text the model was trained on.
///
/// - The authors' `data.py` (PTB, WikiText) appends `<eos>` to every line.
/// - fastai's tokenizer puts `xxbos` before every text and nothing after it
///   (`lowercase(t, add_bos=True, add_eos=False)` in `fastai.text.core`); its
///   word lists have no `<eos>`. A line of a file is one text.
public enum LineBoundary: Sendable, Equatable {
    /// `<eos>` (this id) after every line, empty lines included.
    case endOfSentence(Int32)
    /// `xxbos` (this id) before every line that holds a word.
    case beginningOfText(Int32)
    /// Neither token is in the vocabulary: a line break is whitespace.
    case unmarked

    /// How the line ends of a text are marked, in words, for log lines.
    public var summary: String {
        switch self {
        case .endOfSentence: "\(Vocabulary.endOfSentence) after every line (the authors' data.py)"
        case .beginningOfText: "each line is one text that starts with \(Vocabulary.beginningOfText) (fastai; the vocabulary has no \(Vocabulary.endOfSentence))"
        case .unmarked: "line breaks carry no token (the vocabulary has neither \(Vocabulary.endOfSentence) nor \(Vocabulary.beginningOfText))"
        }
    }
}

extension Vocabulary {
    /// `<eos>` after every line when the vocabulary has it, else `xxbos` before
    /// every line when it has that, else no token.
    public var lineBoundary: LineBoundary {
        if let eos = id(Self.endOfSentence) { return .endOfSentence(eos) }
        if let bos = id(Self.beginningOfText) { return .beginningOfText(bos) }
        return .unmarked
    }

    /// The token that stands for words outside the vocabulary: fastai's `xxunk`
    /// when the vocabulary has it, else `<unk>` (PTB, WikiText); nil when it has
    /// neither. `xxunk` comes first because a fastai word list made from PTB
    /// also lists the corpus's literal `<unk>` as an ordinary word, while fastai
    /// maps every unknown word to `xxunk` (`Numericalize`, `fastai.text.data`).
    public var unknownWord: String? {
        [Self.fastaiUnknown, Self.unknown].first { id($0) != nil }
    }
}
