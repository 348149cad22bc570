import Foundation

/// A corpus or vocabulary that cannot be read, tokenised, fetched or split.
/// `source` is the path (or name) of the text concerned.
public enum CorpusError: Error, Equatable, Sendable {
    /// `path` is not a folder.
    case noSuchFolder(path: String)
    /// `folder` holds no `{train,valid,test}.txt`, `wiki.{…}.tokens` or `ptb.{…}.txt`.
    case missingSplitFiles(folder: String)
    /// The text of `source` is empty.
    case emptyFile(source: String)
    /// The bytes of `source` are not well-formed UTF-8.
    case notUTF8(source: String)
    /// `word` of `source` is not in a fixed vocabulary; `noUnknownToken`: it was
    /// to become `<unk>`, but the vocabulary has none.
    case wordNotInVocabulary(word: String, source: String, noUnknownToken: Bool)
    /// A word id outside `0..<vocabularySize`, given to be spelt (`Generator.text`).
    case idOutsideVocabulary(id: Int32, vocabularySize: Int)
    /// A vocabulary (`source`, when it came from a file) lists `word` twice.
    case duplicateWord(word: String, source: String?)
    /// Line `line` (from 1) of the word list `source` is empty.
    case emptyWord(source: String, line: Int)
    /// `name` has `bytes` bytes, too few to hold out 2 × `heldOut` (enwik8's split).
    case tooSmallToSplit(name: String, bytes: Int, heldOut: Int)
    /// The archive `archive` has no `member`.
    case missingMember(archive: String, member: String)
    /// `file` (or its `member`) has MD5 `md5` where `corpus` publishes `expected`.
    case checksumMismatch(corpus: String, file: String, member: String?, md5: String, expected: String)
    /// No mirror of `corpus` could be downloaded; one reason per mirror. (The
    /// archive fetched elsewhere can be given to `CorpusSource.install(to:archive:logger:progress:)`.)
    case downloadFailed(corpus: String, reasons: [String])
    /// The archive at `path` cannot be unpacked: it is truncated or damaged, for `reason`.
    case corruptArchive(path: String, reason: String)
    /// The file at `path`, given as the corpus's archive, is not `kind` (a zip archive, a .tgz).
    case notAnArchive(path: String, kind: String)
    /// Fetching `url` failed for `reason` (an HTTP status, a network error).
    case fetchFailed(url: String, reason: String)
}

extension CorpusError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .noSuchFolder(let path): "\(path): no such data folder"
        case .missingSplitFiles(let folder):
            "\(folder): expected train.txt, valid.txt and test.txt (or wiki.{train,valid,test}.tokens)"
        case .emptyFile(let source): "\(source): file is empty"
        case .notUTF8(let source): "\(source): not valid UTF-8"
        case .wordNotInVocabulary(let word, let source, let noUnknown):
            "\(source): word '\(word)' is not in the model's vocabulary"
                + (noUnknown ? " (which has neither \(Vocabulary.unknown) nor \(Vocabulary.fastaiUnknown) to stand for it)" : "")
        case .idOutsideVocabulary(let id, let v): "word id \(id) is outside a vocabulary of \(v) words (ids 0..<\(v))"
        case .duplicateWord(let word, let source): (source.map { "\($0): " } ?? "") + "vocabulary lists '\(word)' twice"
        case .emptyWord(let source, let line): "\(source): line \(line) is empty; a word list has one word on every line"
        case .tooSmallToSplit(let name, let bytes, let n): "\(name) has \(bytes) bytes; the split needs more than 2 × \(n)"
        case .missingMember(let archive, let member): "\(archive): no member '\(member)'"
        case .checksumMismatch(let corpus, let file, let member, let md5, let expected):
            "\(file): \(member.map { "\($0) has " } ?? "")MD5 \(md5), expected \(expected) for \(corpus)"
        case .downloadFailed(let corpus, let reasons):
            "cannot download \(corpus) (offline?): \(reasons.joined(separator: "; "))"
        case .corruptArchive(let path, let reason): "\(path): damaged archive: \(reason)"
        case .fetchFailed(let url, let reason): "\(url): \(reason)"
        case .notAnArchive(let path, let kind): "\(path): not \(kind), which this corpus is published as"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
