import Foundation

/// spaCy 3.8's rule-based tokenizer (`spacy/tokenizer.pyx`) with the English
/// rules of `spacy.blank("en")`: a text is cut at white space, and each piece
/// is split by its exceptions (`SpacyExceptions`), prefixes, suffixes, URL
/// match and infixes (`SpacyPunctuation`), in spaCy's order:
///
/// 1. a piece that is an exception becomes the exception's tokens;
/// 2. otherwise prefixes and suffixes are cut off from both ends, one of each
///    per round, until none is left or what remains is an exception;
/// 3. what remains is one token if it is an exception or a URL, else it is cut
///    at its infixes (a hyphen between letters, `...`, a comma between letters);
/// 4. finally, token sequences that spell an exception containing punctuation
///    (`:` `)` from "word...:)") become that exception's tokens.
///
/// A single space between pieces is no token; other white space (a second
/// space, a tab, a line break) is a token of its own, as in spaCy.
/// `additionalExceptions` are kept whole (fastai adds its special tokens so).
///
/// Immutable and `Sendable`; a cache of split pieces, shared and locked, makes
/// common words cost one dictionary look-up (spaCy caches the same way).
public final class SpacyWordSplitter: @unchecked Sendable {
    /// A token and whether a space follows it in the text (spaCy's `whitespace_`).
    struct Token {
        var text: String
        var spaceAfter: Bool
    }

    private let exceptions: [String: [String]]
    /// Exceptions that the affix rules would split, by their first token, with
    /// the tokens those rules give them (spaCy's special-case matcher).
    private let splitExceptions: [String: [(key: String, tokens: [String])]]
    private let cacheLock = NSLock()
    private var cache: [String: [String]] = [:]
    private static let cacheLimit = 100_000

    /// - Parameter additionalExceptions: strings kept as one token each, on top of spaCy's English exceptions.
    public init(additionalExceptions: [String] = []) {
        var exceptions = SpacyExceptions.table
        for word in additionalExceptions { exceptions[word] = [word] }
        self.exceptions = exceptions
        var patterns: [String: [(key: String, tokens: [String])]] = [:]
        for key in exceptions.keys.sorted() {
            // spaCy (faster_heuristics) adds an exception to its matcher when an affix rule finds something in it.
            guard Self.prefixLength(key) > 0 || !SpacyPunctuation.infix.matches(key).isEmpty
                    || Self.suffixLength(key) > 0 || key.contains(" ") else { continue }
            let tokens = Self.split(key, exceptions: nil).map(\.text)
            patterns[tokens[0], default: []].append((key, tokens))
        }
        splitExceptions = patterns
    }

    /// The tokens of `text`, as spaCy's English tokenizer gives them.
    public func tokens(_ text: String) -> [String] {
        var tokens = Self.split(text, exceptions: exceptions, cache: self)
        applySplitExceptions(&tokens)
        return tokens.map(\.text)
    }

    // MARK: spaCy's `_tokenize_affixes`

    /// Cuts `text` at white space and splits each piece (`exceptions` nil: spaCy's
    /// pass without special cases, used to build the matcher's patterns).
    static func split(_ text: String, exceptions: [String: [String]]?, cache: SpacyWordSplitter? = nil) -> [Token] {
        var out: [Token] = []
        let scalars = text.unicodeScalars
        guard let first = scalars.first else { return out }
        var inSpace = FastaiRules.isPythonSpace(first)
        var start = scalars.startIndex
        var i = scalars.startIndex
        func piece(_ range: Range<String.UnicodeScalarView.Index>) {
            let span = String(scalars[range])
            if let cache, let known = cache.cached(span) {
                out.append(contentsOf: known.map { Token(text: $0, spaceAfter: false) })
                return
            }
            let tokens = splitPiece(span, exceptions: exceptions)
            cache?.store(span, tokens)
            out.append(contentsOf: tokens.map { Token(text: $0, spaceAfter: false) })
        }
        while i < scalars.endIndex {
            let c = scalars[i]
            if FastaiRules.isPythonSpace(c) != inSpace {
                if start < i { piece(start..<i) }
                if c == " " {
                    // One space after a piece is no token; it is the piece's trailing space.
                    if !out.isEmpty { out[out.count - 1].spaceAfter = true }
                    start = scalars.index(after: i)
                } else {
                    start = i
                }
                inSpace.toggle()
            }
            i = scalars.index(after: i)
        }
        if start < i {
            piece(start..<i)
            if !out.isEmpty { out[out.count - 1].spaceAfter = scalars.last == " " && !inSpace }
        }
        return out
    }

    /// One piece without white space, or a run of white space: spaCy's
    /// `_split_affixes` then `_attach_tokens`.
    static func splitPiece(_ span: String, exceptions: [String: [String]]?) -> [String] {
        if let exception = exceptions?[span] { return exception }
        var string = span as NSString
        var prefixes: [String] = [], suffixes: [String] = []
        func isException(_ s: NSString) -> Bool { exceptions?[s as String] != nil }
        var lastLength = 0
        while string.length > 0 && string.length != lastLength {
            if isException(string) { break }
            lastLength = string.length
            let preLength = prefixLength(string as String)
            if preLength > 0 {
                let minusPre = string.substring(from: preLength) as NSString
                if minusPre.length > 0 && isException(minusPre) {
                    prefixes.append(string.substring(to: preLength))
                    string = minusPre
                    break
                }
            }
            let sufLength = suffixLength(string.substring(from: preLength))
            if sufLength > 0 {
                let minusSuf = string.substring(to: string.length - sufLength) as NSString
                if minusSuf.length > 0 && isException(minusSuf) {
                    suffixes.append(string.substring(from: string.length - sufLength))
                    string = minusSuf
                    break
                }
            }
            if preLength > 0 && sufLength > 0 && preLength + sufLength <= string.length {
                prefixes.append(string.substring(to: preLength))
                suffixes.append(string.substring(from: string.length - sufLength))
                string = string.substring(with: NSRange(location: preLength, length: string.length - preLength - sufLength)) as NSString
            } else if preLength > 0 {
                prefixes.append(string.substring(to: preLength))
                string = string.substring(from: preLength) as NSString
            } else if sufLength > 0 {
                suffixes.append(string.substring(from: string.length - sufLength))
                string = string.substring(to: string.length - sufLength) as NSString
            }
        }
        var tokens = prefixes
        if string.length > 0 {
            let rest = string as String
            if let exception = exceptions?[rest] {
                tokens += exception
            } else if SpacyPunctuation.url.firstMatch(rest) != nil {
                tokens.append(rest)
            } else {
                tokens += splitInfixes(string)
            }
        }
        return tokens + suffixes.reversed()
    }

    /// `_attach_tokens`' infix loop: the text between infixes and the infixes,
    /// an infix at the very start ignored.
    private static func splitInfixes(_ string: NSString) -> [String] {
        let matches = SpacyPunctuation.infix.matches(string as String)
        guard !matches.isEmpty else { return [string as String] }
        var tokens: [String] = []
        var start = 0
        for match in matches {
            let infixStart = match.range.location, infixEnd = match.range.location + match.range.length
            if infixStart == 0 { continue }
            if infixStart != start { tokens.append(string.substring(with: NSRange(location: start, length: infixStart - start))) }
            if infixStart != infixEnd { tokens.append(string.substring(with: match.range)) }
            start = infixEnd
        }
        if start < string.length { tokens.append(string.substring(from: start)) }
        return tokens
    }

    /// `find_prefix`: the length (UTF-16) of the prefix at the start of `s`, or 0.
    static func prefixLength(_ s: String) -> Int { SpacyPunctuation.prefix.firstMatch(s)?.length ?? 0 }

    /// `find_suffix`: the length (UTF-16) of the suffix at the end of `s`, or 0.
    static func suffixLength(_ s: String) -> Int { SpacyPunctuation.suffix.firstMatch(s)?.length ?? 0 }

    // MARK: spaCy's `_apply_special_cases`

    /// Replaces token runs that spell an exception the affix rules split (and
    /// that touch, with no space between them) by the exception's tokens,
    /// choosing among overlapping runs as spaCy's `_filter_special_spans` does:
    /// longest first, then leftmost, a run skipped when its first or last token
    /// was in a run looked at before.
    private func applySplitExceptions(_ tokens: inout [Token]) {
        var runs: [(start: Int, end: Int)] = []
        for i in tokens.indices {
            guard let candidates = splitExceptions[tokens[i].text] else { continue }
            for candidate in candidates where i + candidate.tokens.count <= tokens.count {
                if tokens[i..<(i + candidate.tokens.count)].map(\.text).elementsEqual(candidate.tokens) {
                    runs.append((i, i + candidate.tokens.count))
                }
            }
        }
        guard !runs.isEmpty else { return }
        runs.sort { a, b in a.end - a.start != b.end - b.start ? a.end - a.start > b.end - b.start : a.start < b.start }
        var seen = Set<Int>(), chosen: [(start: Int, end: Int)] = []
        for run in runs {
            if !seen.contains(run.start) && !seen.contains(run.end - 1) && !chosen.contains(where: { $0 == run }) {
                chosen.append(run)
            }
            seen.formUnion(run.start..<run.end)
        }
        chosen.sort { $0.start < $1.start }
        for run in chosen.reversed() {
            // spaCy looks the run's text up, spaces between its tokens included.
            let text = tokens[run.start..<run.end].enumerated()
                .map { $1.text + ($0 < run.end - run.start - 1 && $1.spaceAfter ? " " : "") }.joined()
            guard let pieces = exceptions[text] else { continue }
            let spaceAfter = tokens[run.end - 1].spaceAfter
            var replacement = pieces.map { Token(text: $0, spaceAfter: false) }
            replacement[replacement.count - 1].spaceAfter = spaceAfter
            tokens.replaceSubrange(run.start..<run.end, with: replacement)
        }
    }

    // MARK: Cache

    fileprivate func cached(_ span: String) -> [String]? {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        return cache[span]
    }

    fileprivate func store(_ span: String, _ tokens: [String]) {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if cache.count < Self.cacheLimit { cache[span] = tokens }
    }
}
