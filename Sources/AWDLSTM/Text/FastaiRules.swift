import Foundation

/// fastai 2.8's default text rules (`fastai/text/core.py`,
/// `defaults.text_proc_rules`), applied in this order before the words are
/// split: `fixHTML`, `replaceRepetitions`, `replaceWordRepetitions`,
/// `addSpacesAroundSpecialCharacters`, `removeUselessSpaces`, `replaceAllCaps`,
/// `replaceMajuscule`, `lowercase`.
///
/// Each is written to give what fastai's Python gives on any text: `\s`, `\S`,
/// `\w` and `\W` mean what they mean in Python's `re`, lengths count code points,
/// and lower-casing is Python's `str.lower` (full Unicode case mapping, final sigma).
public enum FastaiRules {
    /// fastai's special tokens (`fastai.text.core`): unknown word, padding,
    /// beginning and end of a text, field, character and word repetition, all
    /// caps, capitalised.
    public static let unknown = "xxunk", padding = "xxpad", beginning = "xxbos", end = "xxeos", field = "xxfld"
    public static let repetition = "xxrep", wordRepetition = "xxwrep", allCaps = "xxup", majuscule = "xxmaj"
    /// The special tokens in fastai's order (`defaults.text_spec_tok`); the word
    /// splitter keeps each whole.
    public static let specialTokens = [unknown, padding, beginning, end, field, repetition, wordRepetition, allCaps, majuscule]

    /// Every rule in fastai's order: the text as fastai hands it to spaCy,
    /// starting with `xxbos `.
    public static func apply(_ text: String) -> String {
        lowercase(replaceMajuscule(replaceAllCaps(removeUselessSpaces(addSpacesAroundSpecialCharacters(
            replaceWordRepetitions(replaceRepetitions(fixHTML(text))))))))
    }

    /// `fix_html`: entity fragments and escapes seen in scraped documents
    /// (`#39;` → `'`, `amp;` → `&`, `nbsp;` → space, `<br />` and a literal `\n`
    /// → line break, `<unk>` → `xxunk`, WikiText's ` @.@ ` and ` @-@ `, `...` →
    /// ` …`), each replaced everywhere in this order, then `html.unescape`.
    public static func fixHTML(_ text: String) -> String {
        var x = text
        for (old, new) in [("#39;", "'"), ("amp;", "&"), ("#146;", "'"), ("nbsp;", " "), ("#36;", "$"), ("\\n", "\n"),
                           ("quot;", "'"), ("<br />", "\n"), ("\\\"", "\""), ("<unk>", unknown), (" @.@ ", "."),
                           (" @-@ ", "-"), ("...", " \u{2026}")] {
            // Literal: code unit by code unit, as Python's str.replace (no Unicode equivalence).
            x = x.replacingOccurrences(of: old, with: new, options: .literal)
        }
        return HTMLUnescape.unescape(x)
    }

    /// `replace_rep`: a character repeated three times or more (`cccc`) becomes
    /// ` xxrep 4 c `.
    public static func replaceRepetitions(_ text: String) -> String {
        substitute(characterRepetition, in: text) { ns, match in
            let c = ns.substring(with: match.range(at: 1))
            let count = match.range.length / match.range(at: 1).length
            return " \(repetition) \(count) \(c) "
        }
    }

    /// `replace_wrep`: a word repeated three times or more (`a a a a`) becomes
    /// ` xxwrep 4 a ` followed by the character after the last repetition.
    public static func replaceWordRepetitions(_ text: String) -> String {
        substitute(wordRepeated, in: text) { ns, match in
            let word = ns.substring(with: match.range(at: 1))
            let repeats = pythonSplit(ns.substring(with: match.range(at: 2))).count
            let after = match.range(at: 3).location == NSNotFound ? "" : ns.substring(with: match.range(at: 3))
            return " \(wordRepetition) \(repeats + 2) \(word) \(after)"
        }
    }

    /// `spec_add_spaces`: a space on each side of `/`, `#` and `\`.
    public static func addSpacesAroundSpecialCharacters(_ text: String) -> String {
        substitute(specialCharacter, in: text) { ns, match in " " + ns.substring(with: match.range) + " " }
    }

    /// `rm_useless_spaces`: runs of spaces (U+0020 only) become one.
    public static func removeUselessSpaces(_ text: String) -> String {
        substitute(spaces, in: text) { _, _ in " " }
    }

    /// `replace_all_caps`: a word of capitals (`[A-Z]+` then anything but `a-z`
    /// and space) is lower-cased, after `xxup ` when it is longer than one character.
    public static func replaceAllCaps(_ text: String) -> String {
        substitute(allCapsWord, in: text) { ns, match in
            let word = ns.substring(with: match.range(at: 2))
            return ns.substring(with: match.range(at: 1)) + (word.unicodeScalars.count > 1 ? "\(allCaps) " : "") + lower(word)
        }
    }

    /// `replace_maj`: a capitalised word (`[A-Z]` then no `A-Z` and no space) is
    /// lower-cased, after `xxmaj ` when it is longer than one character.
    public static func replaceMajuscule(_ text: String) -> String {
        substitute(capitalisedWord, in: text) { ns, match in
            let word = ns.substring(with: match.range(at: 2))
            return ns.substring(with: match.range(at: 1)) + (word.unicodeScalars.count > 1 ? "\(majuscule) " : "") + lower(word)
        }
    }

    /// `lowercase`: `xxbos `, then the text lower-cased and stripped of
    /// white space at both ends.
    public static func lowercase(_ text: String) -> String {
        "\(beginning) " + strip(lower(text))
    }

    // MARK: Python's string semantics

    /// Python's `str.lower()`: each code point's full lower-case mapping (`İ` →
    /// `i̇`), and capital sigma as final `ς` at the end of a word (Unicode's
    /// Final_Sigma condition, which Python applies).
    static func lower(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, s) in scalars.enumerated() {
            if s.isASCII {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 32)! : s)
            } else if s == "\u{3A3}" {
                out.append(isFinalSigma(scalars, i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Final_Sigma: a cased letter before (skipping case-ignorable ones) and none after.
    private static func isFinalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count && s[k].properties.isCaseIgnorable { k += 1 }
        return !(k < s.count && s[k].properties.isCased)
    }

    /// Python's `str.isspace()` for one code point (White_Space, plus the
    /// information separators U+001C–U+001F that Python counts as space).
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Python's `str.strip()`.
    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }),
              let last = scalars.lastIndex(where: { !isPythonSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Python's `str.split()`: the runs of non-space characters.
    static func pythonSplit(_ text: String) -> [Substring.UnicodeScalarView] {
        text.unicodeScalars.split(whereSeparator: isPythonSpace)
    }

    // MARK: The rules' expressions, with Python's `\s` and `\w` written out

    private static let s = SpacyPunctuation.pythonSpace, w = SpacyPunctuation.pythonWord
    private static let characterRepetition = regex("([^" + s + #"])(\1{2,})"#)
    private static let wordRepeated = regex("(?:[" + s + "]|^)([" + w + "]+)[" + s + "]+((?:\\1[" + s + "]+)+)\\1([" + s + "]|[^" + w + "]|$)")
    private static let specialCharacter = regex(#"[/#\\]"#)
    private static let spaces = regex(" {2,}")
    private static let allCapsWord = regex("([" + s + "]|^)([A-Z]+[^a-z" + s + "]*)(?=([" + s + "]|$))")
    private static let capitalisedWord = regex("([" + s + "]|^)([A-Z][^A-Z" + s + "]*)(?=([" + s + "]|$))")

    private static func regex(_ pattern: String) -> SendableRegex {
        do { return SendableRegex(try NSRegularExpression(pattern: pattern)) } catch {
            preconditionFailure("fastai rule pattern does not compile: \(error)")
        }
    }

    /// `re.sub` with a function: each match, left to right, replaced by `replace`.
    private static func substitute(_ regex: SendableRegex, in text: String,
                                   _ replace: (NSString, NSTextCheckingResult) -> String) -> String {
        let matches = regex.matches(text)
        guard !matches.isEmpty else { return text }
        let ns = text as NSString
        var out = "", last = 0
        for match in matches {
            out += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            out += replace(ns, match)
            last = match.range.location + match.range.length
        }
        return out + ns.substring(from: last)
    }
}
