import Foundation

/// Word ↔ id mapping in order of first appearance, like the authors' `Dictionary`.
///
/// Words are told apart by their UTF-8 bytes, as Python compares strings:
/// Swift's `String` equality would merge canonically equivalent spellings
/// (`é` and `e` + combining acute), giving ids that differ from the reference.
public struct Vocabulary: Sendable, Equatable {
    /// The words by id: `words[id]`.
    public private(set) var words: [String] = []
    private var ids: [Key: Int32] = [:]

    private struct Key: Hashable, Sendable {
        let bytes: [UInt8]
        init(_ word: String) { bytes = Array(word.utf8) }
    }

    /// An empty vocabulary.
    public init() {}

    /// The vocabulary of `words`, ids in order; throws when a word appears twice,
    /// except fastai's padding word `xxfake` (`fakeWord`): fastai v2 pads its
    /// word lists to a multiple of 8 with it (`make_vocab` in `fastai.text.data`),
    /// and each repeat keeps its id (its line number) while `id("xxfake")` is the first.
    public init(words: [String]) throws {
        for w in words {
            if ids[Key(w)] != nil {
                guard w == Self.fakeWord else { throw CorpusError.duplicateWord(word: w, source: nil) }
                self.words.append(w)
            } else {
                _ = add(w)
            }
        }
    }

    /// The number of words (the model's `vocabSize`).
    public var count: Int { words.count }

    /// The id of `word`, adding it at the end when new.
    @discardableResult
    public mutating func add(_ word: String) -> Int32 {
        let key = Key(word)
        if let id = ids[key] { return id }
        let id = Int32(words.count)
        words.append(word)
        ids[key] = id
        return id
    }

    /// The id of `word` (compared by UTF-8 bytes), or nil.
    public func id(_ word: String) -> Int32? { ids[Key(word)] }

    /// The token the authors' `data.py` appends to every line.
    public static let endOfSentence = "<eos>"
    /// The unknown-word token of PTB and WikiText; words outside a vocabulary map to it where it exists.
    public static let unknown = "<unk>"
    /// fastai's unknown-word token (`UNK` in `fastai.text.core`), used where a vocabulary has no `<unk>`.
    public static let fastaiUnknown = "xxunk"
    /// fastai's padding word, repeated at the end of its word lists to make their length a multiple of 8.
    public static let fakeWord = "xxfake"
    /// fastai's beginning-of-text token (`BOS`), which its tokenizer puts before every text.
    public static let beginningOfText = "xxbos"

    /// `vocab.txt`: one word per line, line number = id. Readers drop a leading
    /// byte order mark, so a first word that starts with U+FEFF gets one before it.
    public func fileText() -> String {
        let mark = words.first?.utf8.starts(with: Tokenizer.byteOrderMark) == true ? "\u{FEFF}" : ""
        return mark + words.joined(separator: "\n") + "\n"
    }

    /// Reads a `vocab.txt`; throws when it cannot be read, is not UTF-8, has an
    /// empty line, or lists a word twice.
    public static func read(from url: URL) throws -> Vocabulary {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FileError.unreadable(path: url.path)
        }
        return try Vocabulary(fileData: data, source: url.path)
    }

    /// The contents of a word list held in memory (`vocab.txt`, a `--vocab` file,
    /// fastai's itos): one word per line, line number = id, lines read as every
    /// text is (`Tokenizer.lines`: `\r\n` or `\r` end a line too, a leading
    /// byte order mark is dropped). `source` names it in errors. Throws
    /// `CorpusError.notUTF8`, `.emptyWord` (an empty line: no text gives an empty
    /// word, so the ids after it would be off by one) or `.duplicateWord`.
    public init(fileData data: Data, source: String) throws {
        let words: [String] = try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard Tokenizer.isValidUTF8(bytes) else { throw CorpusError.notUTF8(source: source) }
            return try Tokenizer.lines(bytes).enumerated().map { n, line in
                guard !line.isEmpty else { throw CorpusError.emptyWord(source: source, line: n + 1) }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[line]), as: UTF8.self)
            }
        }
        do { try self.init(words: words) } catch CorpusError.duplicateWord(let word, _) {
            throw CorpusError.duplicateWord(word: word, source: source)
        }
    }
}
