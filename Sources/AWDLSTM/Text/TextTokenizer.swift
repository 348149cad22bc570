import Foundation

/// How raw text is cut into the words of a run's vocabulary: the tokenizer its
/// corpus was made with, recorded as `tokenizer` in `config.json` (absent in
/// folders written before it: `none`). Commands and the inference API that take
/// raw text (`evaluate --file`, `generate --prompt`, `LanguageModel`, `serve`)
/// apply it, so that text is read as the training corpus was.
///
/// ```swift
/// let (ids, unknown) = try TextTokenizer.fastai.encode("Don't stop!", vocabulary: vocabulary)
/// // xxbos xxmaj do n't stop !  → their ids; words outside the vocabulary → xxunk
/// ```
public enum TextTokenizer: String, Codable, Sendable, CaseIterable {
    /// Words are split on whitespace, as the authors' `data.py` reads PTB and
    /// WikiText (already tokenised corpora).
    case none
    /// fastai 2.8's `Tokenizer` with its default rules and spaCy's English
    /// tokenizer (`FastaiTokenizer`): each line is one document, starting with `xxbos`.
    case fastai

    /// The word ids of `text` in `vocabulary`: words outside it become its
    /// unknown token (`Vocabulary.unknownWord`) and are counted, and lines are
    /// marked as the vocabulary marks them (`Vocabulary.lineBoundary`; with
    /// `none`, a text not ending in a line break has no `<eos>` after its last
    /// line; with `fastai`, each line holding a word is one document that
    /// starts with `xxbos`). Text without words gives no ids. Throws
    /// `CorpusError.wordNotInVocabulary` when a word is outside a vocabulary
    /// with no unknown token.
    public func encode(_ text: String, vocabulary: Vocabulary) throws -> (ids: [Int32], unknownWords: Int) {
        switch self {
        case .none:
            return try Generator.encode(text, vocabulary: vocabulary)
        case .fastai:
            return try Self.fastaiIDs(FastaiTokenizer.documents(fileData: Data(text.utf8), source: "text"), vocabulary: vocabulary)
        }
    }

    /// `encode` for the bytes of a file (`source` names it in errors), read as
    /// `evaluate --file` reads one: with `none`, as `Corpus.tokenize(_:source:mappingUnknownWordsOf:)`
    /// (an `<eos>` after every line, the last included); with `fastai`, one
    /// document per line. Throws `CorpusError` (`.notUTF8`, `.emptyFile`,
    /// `.wordNotInVocabulary`).
    public func encode(fileData data: Data, source: String, vocabulary: Vocabulary) throws -> (ids: [Int32], unknownWords: Int) {
        switch self {
        case .none:
            return try Corpus.tokenize(data, source: source, mappingUnknownWordsOf: vocabulary)
        case .fastai:
            guard !data.isEmpty else { throw CorpusError.emptyFile(source: source) }
            return try Self.fastaiIDs(FastaiTokenizer.documents(fileData: data, source: source), vocabulary: vocabulary)
        }
    }

    /// The ids of fastai's tokens of each document that holds a word.
    private static func fastaiIDs(_ documents: [String], vocabulary: Vocabulary) throws -> (ids: [Int32], unknownWords: Int) {
        let tokenizer = FastaiTokenizer()
        let unk = vocabulary.unknownWord.flatMap { vocabulary.id($0) }
        var ids: [Int32] = [], unknown = 0
        for document in documents where document.contains(where: { !$0.isWhitespace }) {
            for token in tokenizer.tokenize(document) {
                if let id = vocabulary.id(token) {
                    ids.append(id)
                } else if let unk {
                    ids.append(unk)
                    unknown += 1
                } else {
                    throw CorpusError.wordNotInVocabulary(word: token, source: "text", noUnknownToken: true)
                }
            }
        }
        return (ids, unknown)
    }
}
