import Foundation

/// A word-level corpus: train, valid and test as streams of ids over one vocabulary.
///
/// Tokenisation follows the authors' `data.py` exactly: each line (Python's
/// universal newlines: `\n`, `\r\n` or `\r`) is split on whitespace (Python's
/// `str.split()`) and gets a trailing `<eos>`; the vocabulary is built over
/// train, then valid, then test, in order of first appearance, so ids match
/// the reference implementation.
public struct Corpus: Sendable {
    /// The words of all three splits; ids index `vocabulary.words`.
    public var vocabulary: Vocabulary
    /// The training split as token ids, `<eos>` after every line.
    public let train: [Int32]
    /// The validation split as token ids.
    public let valid: [Int32]
    /// The test split as token ids.
    public let test: [Int32]

    /// One of the three splits; the raw value names it (`train`, `valid`, `test`).
    public enum Split: String, CaseIterable, Sendable { case train, valid, test }

    /// The ids of `split`.
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
    /// Throws when the folder is missing or holds none of these.
    public static func files(in folder: URL) throws -> [URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw CorpusError.noSuchFolder(path: folder.path)
        }
        for pattern in ["%@.txt", "wiki.%@.tokens", "ptb.%@.txt"] {
            let urls = Split.allCases.map { folder.appendingPathComponent(String(format: pattern, $0.rawValue)) }
            if urls.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) { return urls }
        }
        throw CorpusError.missingSplitFiles(folder: folder.path)
    }

    /// Loads a folder (`files(in:)`), building the vocabulary; with `vocabulary`
    /// given (a trained model's), every word must already be in it, and lines are
    /// marked as that vocabulary marks them (`Vocabulary.lineBoundary`: `<eos>`
    /// after each, or fastai's `xxbos` before each). Throws when a file is
    /// missing, empty, not UTF-8, or holds a word outside a given vocabulary.
    /// `progress` is called with the bytes read and tokenised so far and the
    /// three files' total, about every MiB (WikiText-103 is 0.5 GB).
    public init(folder: URL, vocabulary fixed: Vocabulary? = nil, progress: ((_ bytesDone: Int, _ bytesTotal: Int) -> Void)? = nil) throws {
        let urls = try Self.files(in: folder)
        var vocab = fixed ?? Vocabulary()
        var streams: [[Int32]] = []
        let sizes = urls.map { ((try? FileManager.default.attributesOfItem(atPath: $0.path))?[.size] as? Int) ?? 0 }
        let total = sizes.reduce(0, +)
        var before = 0
        for (url, size) in zip(urls, sizes) {
            guard let data = FileManager.default.contents(atPath: url.path) else { throw FileError.unreadable(path: url.path) }
            let offset = before
            streams.append(try Self.tokenize(data, source: url.path, vocabulary: &vocab, frozen: fixed != nil,
                                             boundary: fixed?.lineBoundary,
                                             progress: progress.map { report in { report(min(total, offset + $0), total) } }).ids)
            before += size
            progress?(min(total, before), total)
        }
        vocabulary = vocab
        (train, valid, test) = (streams[0], streams[1], streams[2])
    }

    /// Tokenises the text of one split held in memory (the bytes of a file), building
    /// a vocabulary over it; with `vocabulary` given, every word must already be in it
    /// and lines are marked as it marks them. `source` names the text in errors.
    /// Throws as `init(folder:vocabulary:)`.
    public static func tokenize(_ data: Data, source: String, vocabulary fixed: Vocabulary? = nil) throws -> (ids: [Int32], vocabulary: Vocabulary) {
        var vocab = fixed ?? Vocabulary()
        let ids = try tokenize(data, source: source, vocabulary: &vocab, frozen: fixed != nil, boundary: fixed?.lineBoundary).ids
        return (ids, vocab)
    }

    /// Tokenises any text with a trained model's vocabulary: words outside it become
    /// its unknown token (`<unk>`, else fastai's `xxunk`; `Vocabulary.unknownWord`)
    /// and are counted; without one they are an error, as are empty and non-UTF-8
    /// text. Lines are marked as the vocabulary's convention has it
    /// (`Vocabulary.lineBoundary`): `<eos>` after each, or fastai's `xxbos` before each.
    public static func tokenize(_ data: Data, source: String, mappingUnknownWordsOf vocabulary: Vocabulary) throws
        -> (ids: [Int32], unknownWords: Int) {
        var vocab = vocabulary
        let unk = vocabulary.unknownWord.flatMap { vocabulary.id($0) }
        do {
            return try tokenize(data, source: source, vocabulary: &vocab, frozen: true, unknown: unk, boundary: vocabulary.lineBoundary)
        } catch CorpusError.wordNotInVocabulary(let word, let source, _) {
            throw CorpusError.wordNotInVocabulary(word: word, source: source, noUnknownToken: true)
        }
    }

    /// Tokenises the bytes of one file, adding new words unless `frozen`; a frozen
    /// vocabulary maps words outside it to `unknown` when given, and counts them.
    /// `boundary` nil: the authors' `<eos>` after every line, added to a vocabulary
    /// being built; given: the lines are marked that way.
    /// Words are looked up by their bytes (`WordTable`); a `String` is made only for
    /// each new word, so a 100 M-token file costs its bytes, its ids and its vocabulary.
    /// `progress`, when given, receives the bytes done about every MiB.
    static func tokenize(_ data: Data, source: String, vocabulary: inout Vocabulary, frozen: Bool,
                         unknown: Int32? = nil, boundary: LineBoundary? = nil,
                         progress: ((Int) -> Void)? = nil) throws -> (ids: [Int32], unknownWords: Int) {
        guard !data.isEmpty else { throw CorpusError.emptyFile(source: source) }
        var ids: [Int32] = []
        ids.reserveCapacity(data.count / 4)  // WikiText has about 5 bytes per token: no regrowth
        var failure: CorpusError?
        var unknownCount = 0
        var table = WordTable(words: vocabulary.words)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard Tokenizer.isValidUTF8(bytes) else { throw CorpusError.notUTF8(source: source) }
            func id(_ word: UnsafeBufferPointer<UInt8>) -> Int32? {
                if frozen {
                    if let id = table.id(word) { return id }
                    if let unknown { unknownCount += 1; return unknown }
                    if failure == nil {
                        failure = .wordNotInVocabulary(word: String(decoding: word, as: UTF8.self), source: source, noUnknownToken: false)
                    }
                    return nil
                }
                let (id, isNew) = table.insert(word)
                if isNew { vocabulary.add(String(decoding: word, as: UTF8.self)) }
                return id
            }
            // Building a vocabulary: <eos>'s id once it is in the table (until then each line looks it up, adding it).
            var eos: Int32?
            let eosBytes = Array(Vocabulary.endOfSentence.utf8)
            var lineHasWord = false
            // The end of the last word seen, and where progress was last reported.
            var position = 0, reported = 0
            Tokenizer.forEachLine(bytes, word: { start, end in
                if !lineHasWord, case .beginningOfText(let bos)? = boundary { ids.append(bos) }
                lineHasWord = true
                position = end
                if let w = id(UnsafeBufferPointer(rebasing: bytes[start..<end])) { ids.append(w) }
            }, endLine: {
                lineHasWord = false
                if let progress, position - reported >= 1 << 20 {
                    reported = position
                    progress(position)
                }
                switch boundary {
                case .endOfSentence(let eos)?: ids.append(eos)
                case .beginningOfText?, .unmarked?: break
                case nil:
                    if let eos { return ids.append(eos) }
                    eosBytes.withUnsafeBufferPointer { e in
                        if let w = id(e) { ids.append(w) }
                        eos = table.id(e)
                    }
                }
            })
        }
        if let failure { throw failure }
        return (ids, unknownCount)
    }
}

/// Byte-level line and word splitting with Python's rules, fast on ASCII: the
/// one reader of text lines for every file and string the package reads
/// (corpus splits, `evaluate --file`, prompts, word lists such as `vocab.txt`).
///
/// A line ends at `\n`, `\r\n` or `\r` (Python's universal newlines, as the
/// authors' `data.py` opens its files in text mode), so a file saved with
/// Windows line ends reads the same. A leading UTF-8 byte order mark (U+FEFF,
/// which Windows editors write) is not part of the text; Python would keep it
/// in the first word, but no corpus the authors used has one.
enum Tokenizer {
    /// The UTF-8 byte order mark.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Where the text of `bytes` starts: after a leading byte order mark, if any.
    static func textStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// The byte ranges of the lines of `bytes`, without their line ends (a
    /// leading byte order mark skipped); a line break at the very end ends the
    /// last line rather than starting an empty one.
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = textStart(bytes), i = start
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            guard b == 0x0A || b == 0x0D else { i += 1; continue }
            out.append(start..<i)
            if b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
            i += 1
            start = i
        }
        if start < n { out.append(start..<n) }
        return out
    }

    /// Calls `word(start, end)` with the byte range of each word and `endLine()`
    /// at the end of each line (`\n`, `\r\n`, `\r`, or a last line without a
    /// break); a leading byte order mark is skipped.
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, word: (Int, Int) -> Void, endLine: () -> Void) {
        var start = -1  // start of the current word, or −1
        var i = textStart(bytes)
        let n = bytes.count
        var wordsInLine = 0
        func endWord(_ end: Int) {
            if start >= 0 {
                word(start, end)
                wordsInLine += 1
                start = -1
            }
        }
        while i < n {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {  // \n, \r, \r\n end a line
                endWord(i)
                endLine()
                wordsInLine = 0
                if b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
                i += 1
                continue
            }
            if b == 0x20 {  // the common case first
                endWord(i)
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
        if wordsInLine > 0 || (n > 0 && bytes[n - 1] != 0x0A && bytes[n - 1] != 0x0D) {
            endLine()  // a last line without a line break
        }
    }

    /// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or
    /// scalars above U+10FFFF), checked without copying them; ASCII eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base), n = bytes.count
        var i = 0
        while i < n {
            while i + 8 <= n && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { break }
            let c = base[i]
            if c < 0x80 { i += 1; continue }
            let length: Int, lowest: UInt32
            var scalar: UInt32
            switch c {
            case 0xC0...0xDF: (length, lowest, scalar) = (2, 0x80, UInt32(c & 0x1F))
            case 0xE0...0xEF: (length, lowest, scalar) = (3, 0x800, UInt32(c & 0x0F))
            case 0xF0...0xF7: (length, lowest, scalar) = (4, 0x10000, UInt32(c & 0x07))
            default: return false
            }
            guard i + length <= n else { return false }
            for k in 1..<length {
                let d = base[i + k]
                guard d & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(d & 0x3F)
            }
            guard scalar >= lowest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            i += length
        }
        return true
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
