import Foundation

/// fastai 2.8's word tokenizer as its language models are trained with:
/// `Tokenizer(SpacyTokenizer("en"))` with the default rules (`FastaiRules`),
/// spaCy 3.8's English tokenizer (`spacy.blank("en")`, `SpacyWordSplitter`)
/// with fastai's special tokens kept whole, and fastai's post-processing rule
/// `replace_space` (a token holding a space, which spaCy makes of a second
/// space, shows it as `▁`), as `tokenize_texts`, `tokenize_df` and
/// `tokenize_folder` apply it.
///
/// ```swift
/// let tokenizer = FastaiTokenizer()
/// tokenizer.tokenize("I don't like HTML &amp; CSS!!!")
/// // ["xxbos", "i", "do", "n't", "like", "xxup", "html", "&", "&", "xxup", "css", "xxrep", "3", "!"]
/// ```
///
/// One document at a time: its tokens start with `xxbos`. It is `Sendable`;
/// one instance serves many threads (the cache of split words is locked).
public struct FastaiTokenizer: Sendable {
    private let splitter: SpacyWordSplitter

    /// Built once (its exception matcher runs the affix rules over every
    /// exception); every tokenizer shares it and its cache.
    private static let sharedSplitter = SpacyWordSplitter(additionalExceptions: FastaiRules.specialTokens)

    /// A tokenizer; cheap, as all of them share one word splitter.
    public init() {
        splitter = Self.sharedSplitter
    }

    /// The tokens of one document, the first of them `xxbos`; lower-case, with
    /// fastai's markers (`xxmaj`, `xxup`, `xxrep`, `xxwrep`) before the words they mark.
    public func tokenize(_ text: String) -> [String] {
        splitter.tokens(FastaiRules.apply(text)).map { $0.contains(" ") ? $0.replacingSpaces() : $0 }
    }

    /// The documents of a text file held in memory, one per line, read as every
    /// text of the package is (`\n`, `\r\n` or `\r` end a line; a leading byte
    /// order mark is dropped; an empty line is an empty document). `source`
    /// names the file in errors. Throws `CorpusError.notUTF8`.
    public static func documents(fileData data: Data, source: String) throws -> [String] {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard Tokenizer.isValidUTF8(bytes) else { throw CorpusError.notUTF8(source: source) }
            return Tokenizer.lines(bytes).map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
    }

    /// `tokens` on one line, separated by spaces. A token holding a line break,
    /// carriage return or tab (spaCy keeps white space other than one space as
    /// a token; fastai's `fix_html` makes `<br />` a line break) is written
    /// with the escapes `\n`, `\r`, `\t`, so that a document stays one line; a
    /// backslash is always a token of its own (`spec_add_spaces`), so the
    /// escapes cannot be confused with text.
    public static func line(_ tokens: [String]) -> String {
        tokens.map { token in
            guard token.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return token }
            return token.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
                .replacingOccurrences(of: "\t", with: "\\t")
        }.joined(separator: " ")
    }
}

private extension String {
    /// fastai's `replace_space`: U+0020 becomes `▁` (U+2581).
    func replacingSpaces() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == " " ? "\u{2581}" : $0 }))
    }
}
