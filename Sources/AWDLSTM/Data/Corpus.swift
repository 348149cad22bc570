import Foundation

/// A word-level corpus: train, valid and test as streams of ids over one vocabulary.
///
/// Tokenisation follows the authors' `data.py` exactly: each line (Python's
/// universal newlines: `\n`, `\r\n` or `\r`) is split on whitespace (Python's
/// `str.split()`) and gets a trailing `<eos>`; the vocabulary is built over
/// train, then valid, then test, in order of first appearance, so ids match
/// the reference implementation.
public struct Corpus: Sendable {
    public var vocabulary: Vocabulary
    public let train: [Int32]
    public let valid: [Int32]
    public let test: [Int32]

    public enum Split: String, CaseIterable, Sendable { case train, valid, test }

    public func tokens(_ split: Split) -> [Int32] {
        switch split { case .train: train; case .valid: valid; case .test: test }
    }

    /// A corpus from ready-made id streams (for slices and synthetic data).
    public init(vocabulary: Vocabulary, train: [Int32], valid: [Int32], test: [Int32]) {
        self.vocabulary = vocabulary
        self.train = train
        self.valid = valid
        self.test = test
    }

    /// The three files of a corpus folder: `{train,valid,test}.txt`, or WikiText's
    /// `wiki.{train,valid,test}.tokens`, or PTB's `ptb.{train,valid,test}.txt`.
    public static func files(in folder: URL) throws -> [URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw IOError("\(folder.path): no such data folder")
        }
        for pattern in ["%@.txt", "wiki.%@.tokens", "ptb.%@.txt"] {
            let urls = Split.allCases.map { folder.appendingPathComponent(String(format: pattern, $0.rawValue)) }
            if urls.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) { return urls }
        }
        throw IOError("\(folder.path): expected train.txt, valid.txt and test.txt (or wiki.{train,valid,test}.tokens)")
    }

    /// Loads a folder, building the vocabulary; with `vocabulary` given (a trained
    /// model's), every word must already be in it.
    public init(folder: URL, vocabulary fixed: Vocabulary? = nil) throws {
        let urls = try Self.files(in: folder)
        var vocab = fixed ?? Vocabulary()
        var streams: [[Int32]] = []
        for url in urls {
            streams.append(try Self.tokenize(url, vocabulary: &vocab, frozen: fixed != nil))
        }
        vocabulary = vocab
        (train, valid, test) = (streams[0], streams[1], streams[2])
    }

    /// Reads and tokenises one file, adding new words unless `frozen`.
    static func tokenize(_ url: URL, vocabulary: inout Vocabulary, frozen: Bool) throws -> [Int32] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw IOError("\(url.path): cannot read file")
        }
        return try tokenize(data, source: url.path, vocabulary: &vocabulary, frozen: frozen)
    }

    /// Tokenises the text of one split held in memory (the bytes of a file), building
    /// a vocabulary over it; with `vocabulary` given, every word must already be in it.
    /// `source` names the text in errors.
    public static func tokenize(_ data: Data, source: String, vocabulary fixed: Vocabulary? = nil) throws -> (ids: [Int32], vocabulary: Vocabulary) {
        var vocab = fixed ?? Vocabulary()
        let ids = try tokenize(data, source: source, vocabulary: &vocab, frozen: fixed != nil)
        return (ids, vocab)
    }

    /// Tokenises any text with a trained model's vocabulary: words outside it become
    /// `<unk>` (and are counted) when the vocabulary has it; otherwise they are an error.
    public static func tokenize(_ data: Data, source: String, mappingUnknownWordsOf vocabulary: Vocabulary) throws
        -> (ids: [Int32], unknownWords: Int) {
        var vocab = vocabulary
        var unknown = 0
        let ids = try tokenize(data, source: source, vocabulary: &vocab, frozen: true,
                               unknown: vocabulary.id(Vocabulary.unknown), unknownCount: &unknown)
        return (ids, unknown)
    }

    /// Tokenises the bytes of one file, adding new words unless `frozen`; a frozen
    /// vocabulary maps words outside it to `unknown` when given (counting them).
    static func tokenize(_ data: Data, source: String, vocabulary: inout Vocabulary, frozen: Bool) throws -> [Int32] {
        var count = 0
        return try tokenize(data, source: source, vocabulary: &vocabulary, frozen: frozen, unknown: nil, unknownCount: &count)
    }

    static func tokenize(_ data: Data, source: String, vocabulary: inout Vocabulary, frozen: Bool,
                         unknown: Int32?, unknownCount: inout Int) throws -> [Int32] {
        guard !data.isEmpty else { throw IOError("\(source): file is empty") }
        var ids: [Int32] = []
        ids.reserveCapacity(data.count / 5)
        var failure: IOError?
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw IOError("\(source): not valid UTF-8 text")
            }
            let eos = Vocabulary.endOfSentence
            Tokenizer.forEachLine(bytes) { words in
                for w in words + [eos] {
                    if frozen {
                        guard let id = vocabulary.id(w) else {
                            if let unknown { ids.append(unknown); unknownCount += 1; continue }
                            if failure == nil { failure = IOError("\(source): word '\(w)' is not in the model's vocabulary") }
                            continue
                        }
                        ids.append(id)
                    } else {
                        ids.append(vocabulary.add(w))
                    }
                }
            }
        }
        if let failure { throw failure }
        return ids
    }
}

/// Byte-level line and word splitting with Python's rules, fast on ASCII.
enum Tokenizer {
    /// Calls `body` with the words of each line.
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([String]) -> Void) {
        var words: [String] = []
        var start = -1  // start of the current word, or −1
        var i = 0
        let n = bytes.count
        func endWord(_ end: Int) {
            if start >= 0 {
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                start = -1
            }
        }
        while i < n {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {  // \n, \r, \r\n end a line
                endWord(i)
                body(words)
                words.removeAll(keepingCapacity: true)
                if b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
                i += 1
                continue
            }
            let (isSpace, length) = whitespace(bytes, at: i)
            if isSpace {
                endWord(i)
            } else if start < 0 {
                start = i
            }
            i += length
        }
        endWord(n)
        if !words.isEmpty || (n > 0 && bytes[n - 1] != 0x0A && bytes[n - 1] != 0x0D) {
            body(words)  // a last line without a line break
        }
    }

    /// Whether the scalar at `i` is whitespace for Python's `str.split()`, and its length in bytes.
    @inline(__always)
    static func whitespace(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Bool, Int) {
        let b = bytes[i]
        if b < 0x80 {
            // space, \t, \v, \f, and the separators \x1c–\x1f
            return (b == 0x20 || (b >= 0x09 && b <= 0x0C) || (b >= 0x1C && b <= 0x1F), 1)
        }
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        var scalar = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length where i + k < bytes.count { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
        switch scalar {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return (true, length)
        default:
            return (false, length)
        }
    }
}
