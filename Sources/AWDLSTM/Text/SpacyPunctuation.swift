import Foundation

/// spaCy 3.8's English affix rules (`spacy/lang/punctuation.py`,
/// `spacy/lang/en/punctuation.py`) and URL pattern
/// (`spacy/lang/tokenizer_exceptions.py`), as ICU regular expressions that
/// match what spaCy's Python `re` expressions match.
///
/// - prefix: an alternation of pieces each anchored at the start (`^piece`), as
///   spaCy's `compile_prefix_regex`; the first piece that matches wins;
/// - suffix: pieces anchored at the end (`piece$`), searched leftmost first
///   (`compile_suffix_regex`);
/// - infix: pieces found left to right without overlap (`compile_infix_regex`
///   with `finditer`);
/// - URL: the whole string is a URL or an e-mail address (`URL_MATCH`).
///
/// Python's `\w`, `\s` and `\S` are written out as the classes Python gives
/// them (letters, numbers and `_`; `str.isspace`), since ICU's differ.
enum SpacyPunctuation {
    /// Python's `\s`: the characters for which `str.isspace()` is true.
    static let pythonSpace = #"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"#
    /// Python's `\w` for `str` patterns: letters, numbers and the underscore.
    static let pythonWord = #"\p{L}\p{N}_"#

    // The character lists of spaCy's `char_classes.py`, in its order (the order of
    // an alternation decides which piece matches).
    static let punctuation = ["\u{2026}", "\u{2026}\u{2026}", ",", ":", ";", "!", "?", "\u{BF}", "\u{61F}", "\u{A1}",
                              "(", ")", "[", "]", "{", "}", "<", ">", "_", "#", "*", "&", "\u{3002}", "\u{FF1F}",
                              "\u{FF01}", "\u{FF0C}", "\u{3001}", "\u{FF1B}", "\u{FF1A}", "\u{FF5E}", "\u{B7}",
                              "\u{964}", "\u{60C}", "\u{6D4}", "\u{61B}", "\u{66A}"]
    static let quotes = ["'", "\"", "\u{201D}", "\u{201C}", "`", "\u{2018}", "\u{B4}", "\u{2019}", "\u{201A}", ",",
                         "\u{201E}", "\u{BB}", "\u{AB}", "\u{300C}", "\u{300D}", "\u{300E}", "\u{300F}", "\u{FF08}",
                         "\u{FF09}", "\u{3014}", "\u{3015}", "\u{3010}", "\u{3011}", "\u{300A}", "\u{300B}",
                         "\u{3008}", "\u{3009}", "\u{2329}", "\u{232A}", "\u{27E6}", "\u{27E7}"]
    static let currency = ["$", "\u{A3}", "\u{20AC}", "\u{A5}", "\u{E3F}", "US$", "C$", "A$", "\u{20BD}", "\u{FDFC}",
                           "\u{20B4}"] + (0x20A0...0x20BF).map { String(UnicodeScalar($0)!) }  // ₠ … ₿, as spaCy lists them
    static let hyphens = ["-", "\u{2013}", "\u{2014}", "--", "---", "\u{2014}\u{2014}", "~"]
    /// Units after a number (`10km`, `5%`). spaCy's list runs its last Cyrillic
    /// unit and first Arabic one together ("тб" "كم" → "тбكم"); so does this one.
    static let units: [String] = {
        let latin = ["km", "km²", "km³", "m", "m²", "m³", "dm", "dm²", "dm³", "cm", "cm²", "cm³", "mm", "mm²", "mm³",
                     "ha", "µm", "nm", "yd", "in", "ft", "kg", "g", "mg", "µg", "t", "lb", "oz", "m/s", "km/h", "kmh",
                     "mph", "hPa", "Pa", "mbar", "mb", "MB", "kb", "KB", "gb", "GB", "tb", "TB", "T", "G", "M", "K", "%"]
        let cyrillic = ["км", "км²", "км³", "м", "м²", "м³", "дм", "дм²", "дм³", "см", "см²", "см³", "мм", "мм²",
                        "мм³", "нм", "кг", "г", "мг", "м/с", "км/ч", "кПа", "Па", "мбар", "Кб", "КБ", "кб", "Мб",
                        "МБ", "мб", "Гб", "ГБ", "гб", "Тб", "ТБ"]
        let arabic = ["كم²", "كم³", "م", "م²", "م³", "سم", "سم²", "سم³", "مم", "مم²", "مم³", "كم", "غرام", "جرام",
                      "جم", "كغ", "ملغ", "كوب", "اكواب"]
        return latin + cyrillic + ["тбكم"] + arabic
    }()

    static let alpha = SpacyCharacterClasses.classBody(SpacyCharacterClasses.alpha)
    static let alphaLower = SpacyCharacterClasses.classBody(SpacyCharacterClasses.alphaLower)
    static let alphaUpper = SpacyCharacterClasses.classBody(SpacyCharacterClasses.alphaUpper)
    static let icons = "[" + SpacyCharacterClasses.classBody(SpacyCharacterClasses.icons) + "]"
    static let ellipses = [#"\.\.+"#, SpacyCharacterClasses.literal("\u{2026}")]

    static func alternation(_ pieces: [String]) -> String {
        pieces.map(SpacyCharacterClasses.literal).joined(separator: "|")
    }

    /// `TOKENIZER_PREFIXES`.
    static let prefixPieces: [String] = ["§", "%", "=", "\u{2014}", "\u{2013}"].map(SpacyCharacterClasses.literal)
        + [#"\+(?![0-9])"#] + punctuation.map(SpacyCharacterClasses.literal) + ellipses
        + quotes.map(SpacyCharacterClasses.literal) + currency.map(SpacyCharacterClasses.literal) + [icons]

    /// `TOKENIZER_SUFFIXES`.
    static let suffixPieces: [String] = {
        // The class before a final period: digits, lower-case letters, `%²-+`, and
        // every character of the punctuation and quote alternations as spaCy
        // spells them inside a class (their `|`, `(`, `?`, `:`, `)` included).
        let beforePeriod = "0-9" + alphaLower + SpacyCharacterClasses.classBody(["%²-+", "|(?:)"] + punctuation + quotes)
        return punctuation.map(SpacyCharacterClasses.literal) + ellipses + quotes.map(SpacyCharacterClasses.literal)
            + [icons] + ["'s", "'S", "\u{2019}s", "\u{2019}S", "\u{2014}", "\u{2013}"].map(SpacyCharacterClasses.literal)
            + [#"(?<=[0-9])\+"#,
               #"(?<=\x{b0}[FfCcKk])\."#,
               "(?<=[0-9])(?:" + alternation(currency) + ")",
               "(?<=[0-9])(?:" + alternation(units) + ")",
               "(?<=[" + beforePeriod + #"])\."#,
               "(?<=[" + alphaUpper + "][" + alphaUpper + #"])\."#]
    }()

    /// English `TOKENIZER_INFIXES`.
    static let infixPieces: [String] = {
        let q = SpacyCharacterClasses.classBody(quotes)
        return ellipses + [icons,
                           #"(?<=[0-9])[+\-\*^](?=[0-9-])"#,
                           "(?<=[" + alphaLower + q + #"])\.(?=["# + alphaUpper + q + "])",
                           "(?<=[" + alpha + "]),(?=[" + alpha + "])",
                           "(?<=[" + alpha + "0-9])(?:" + alternation(hyphens) + ")(?=[" + alpha + "])",
                           "(?<=[" + alpha + "0-9])[:<>=/](?=[" + alpha + "])"]
    }()

    /// `URL_PATTERN` (after Diego Perini's URL expression, with spaCy's changes):
    /// an optional scheme, optional `user[:password]@`, a public IPv4 address or a
    /// host name whose last label is lower-case letters, an optional port and path.
    static let urlPattern: String = {
        let w = pythonWord, notSpace = "[^" + pythonSpace + "]", hostChar = #"A-Za-z0-9\x{a1}-\x{ffff}"#
        return "^"
            + #"(?:(?:["# + w + #"\+\-\.]{2,})://)?"#
            + "(?:" + notSpace + "+(?::" + notSpace + "*)?@)?"
            + "(?:"
            + #"(?!(?:10|127)(?:\.\d{1,3}){3})"#
            + #"(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})"#
            + #"(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"#
            + #"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])"#
            + #"(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"#
            + #"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"#
            + "|"
            + "(?:(?:[" + hostChar + "][" + hostChar + "_-]{0,62})?[" + hostChar + #"]\.)+"#
            + "(?:[" + alphaLower + "]{2,63})"
            + ")"
            + #"(?::\d{2,5})?"#
            + "(?:[/?#]" + notSpace + "*)?"
            + "$"
    }()

    static let prefix = compile(prefixPieces.map { "^(?:" + $0 + ")" }.joined(separator: "|"))
    static let suffix = compile(suffixPieces.map { "(?:" + $0 + ")$" }.joined(separator: "|"))
    static let infix = compile(infixPieces.joined(separator: "|"))
    static let url = compile(urlPattern)

    private static func compile(_ pattern: String) -> SendableRegex {
        // The patterns are fixed; one that ICU refuses is a defect of this file.
        do { return SendableRegex(try NSRegularExpression(pattern: pattern)) } catch {
            preconditionFailure("spaCy affix pattern does not compile: \(error)")
        }
    }
}

/// An `NSRegularExpression`, which is immutable and safe to use from several
/// threads at once (Foundation documents it so), held where a `Sendable` is needed.
final class SendableRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }

    /// The first match in all of `string`.
    func firstMatch(_ string: String) -> NSRange? {
        let r = regex.rangeOfFirstMatch(in: string, options: [], range: NSRange(location: 0, length: string.utf16.count))
        return r.location == NSNotFound ? nil : r
    }

    /// Every match in all of `string`, left to right, without overlap.
    func matches(_ string: String) -> [NSTextCheckingResult] {
        regex.matches(in: string, options: [], range: NSRange(location: 0, length: string.utf16.count))
    }
}
