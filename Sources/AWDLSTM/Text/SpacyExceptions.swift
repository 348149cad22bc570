import Foundation

/// spaCy 3.8's English tokenizer exceptions (`spacy/lang/tokenizer_exceptions.py`
/// and `spacy/lang/en/tokenizer_exceptions.py`): strings that are split in a
/// fixed way, or kept whole, whatever the affix rules say ("don't" → "do" "n't",
/// "Mr." stays one token, ":)" is one token). Only the pieces' text is kept;
/// spaCy's norms do not change the tokens.
///
/// The table is built by the same rules as spaCy's: every pronoun, question word
/// and auxiliary with each contraction it takes, with and without its apostrophe,
/// in lower and title case; times ("5pm" → "5" "pm"); abbreviations; emoticons;
/// and every one of them with an apostrophe also with the typographic one (’).
enum SpacyExceptions {
    /// The exceptions: a string and the pieces it is split into (their
    /// concatenation is the string).
    static let table: [String: [String]] = {
        var base: [String: [String]] = [:]
        for s in [" ", "\t", "\\t", "\n", "\\n", "\u{2014}", "\u{A0}", "'", "\\\")", "<space>", "''", "C++"] { base[s] = [s] }
        for letter in "abcdefghijklmnopqrstuvwxyzäöü" { base["\(letter)."] = ["\(letter)."] }
        for emoticon in emoticons { base[emoticon] = [emoticon] }
        for unit in "cfkCFK" { base["°\(unit)."] = ["°", "\(unit)", "."] }

        var english: [String: [String]] = [:]
        func title(_ word: String) -> String { word.prefix(1).uppercased() + word.dropFirst() }
        func cases(_ word: String) -> [String] { [word, title(word)] }

        // Pronouns with the verbs they contract with.
        for orth in cases("i") {
            english[orth + "'m"] = [orth, "'m"]
            english[orth + "m"] = [orth, "m"]
            english[orth + "'ma"] = [orth, "'m", "a"]
            english[orth + "ma"] = [orth, "m", "a"]
        }
        let will = [("'ll", ["'ll"]), ("ll", ["ll"]), ("'ll've", ["'ll", "'ve"]), ("llve", ["ll", "ve"])]
        let would = [("'d", ["'d"]), ("d", ["d"]), ("'d've", ["'d", "'ve"]), ("dve", ["d", "ve"])]
        let have = [("'ve", ["'ve"]), ("ve", ["ve"])]
        let are = [("'re", ["'re"]), ("re", ["re"])]
        let `is` = [("'s", ["'s"]), ("s", ["s"])]
        func add(_ word: String, _ endings: [(String, [String])]) {
            for orth in cases(word) {
                for (ending, pieces) in endings { english[orth + ending] = [orth] + pieces }
            }
        }
        for pronoun in ["i", "you", "he", "she", "it", "we", "they"] { add(pronoun, will + would) }
        for pronoun in ["i", "you", "we", "they"] { add(pronoun, have) }
        for pronoun in ["you", "we", "they"] { add(pronoun, are) }
        for pronoun in ["he", "she", "it"] { add(pronoun, `is`) }

        // Question words, relative pronouns and demonstratives: singular ones take
        // 's, plural ones 're and 've, the others all three.
        for (word, number) in [("who", ""), ("what", ""), ("when", ""), ("where", ""), ("why", ""), ("how", ""),
                               ("there", ""), ("that", "sing"), ("this", "sing"), ("these", "plur"), ("those", "plur")] {
            if number != "plur" { add(word, `is`) }
            add(word, will)
            if number != "sing" { add(word, are + have) }
            add(word, would)
        }

        // Auxiliaries with n't (and n't've).
        for verb in ["ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought", "sha",
                     "should", "wo", "would"] {
            add(verb, [("n't", ["n't"]), ("nt", ["nt"]), ("n't've", ["n't", "'ve"]), ("ntve", ["nt", "ve"])])
        }
        for verb in ["could", "might", "must", "should", "would"] { add(verb, have) }
        for verb in ["ai", "are", "is", "was", "were", "have", "has", "dare"] { add(verb, [("n't", ["n't"]), ("nt", ["nt"])]) }

        // Dropped final g or d, with and without the apostrophe; dropped initial letters.
        for word in ["doin", "goin", "nothin", "nuthin", "ol", "somethin"] {
            for orth in cases(word) {
                english[orth] = [orth]
                english[orth + "'"] = [orth + "'"]
            }
        }
        for word in ["em", "ll", "nuff"] {
            english[word] = [word]
            english["'" + word] = ["'" + word]
        }

        // Times: "5pm" and "5p.m." are the hour and the period.
        for hour in 1...12 {
            for period in ["a.m.", "am", "p.m.", "pm"] { english["\(hour)\(period)"] = ["\(hour)", period] }
        }

        for (string, pieces) in [("y'all", ["y'", "all"]), ("yall", ["y", "all"]), ("how'd'y", ["how", "'d", "'y"]),
                                 ("How'd'y", ["How", "'d", "'y"]), ("not've", ["not", "'ve"]), ("notve", ["not", "ve"]),
                                 ("Not've", ["Not", "'ve"]), ("Notve", ["Not", "ve"]), ("cannot", ["can", "not"]),
                                 ("Cannot", ["Can", "not"]), ("gonna", ["gon", "na"]), ("Gonna", ["Gon", "na"]),
                                 ("gotta", ["got", "ta"]), ("Gotta", ["Got", "ta"]), ("let's", ["let", "'s"]),
                                 ("Let's", ["Let", "'s"]), ("c'mon", ["c'm", "on"]), ("C'mon", ["C'm", "on"])] {
            english[string] = pieces
        }
        for string in wholeWords { english[string] = [string] }

        // Ordinary words that the rules above would split ("ill" is not "i 'll").
        for word in ["Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed", "were", "Were",
                     "Well", "well", "Whore", "whore"] {
            english[word] = nil
        }
        // spaCy's update_exc adds each exception spelled with ' once more with the
        // typographic apostrophe ’ ("don’t" → "do" "n’t").
        let merged = base.merging(english) { _, english in english }
        var expanded = merged
        for (string, pieces) in merged where string.contains("'") {
            expanded[string.replacingOccurrences(of: "'", with: "\u{2019}")] = pieces.map { $0.replacingOccurrences(of: "'", with: "\u{2019}") }
        }
        return expanded
    }()

    /// Strings kept as one token: contractions spelled with an apostrophe,
    /// abbreviations with their period (months, US states, titles, Latin).
    static let wholeWords = [
        "'S", "'s", "\u{2018}S", "\u{2018}s", "and/or", "w/o", "'re", "'Cause", "'cause", "'cos", "'Cos", "'coz", "'Coz",
        "'cuz", "'Cuz", "'bout", "ma'am", "Ma'am", "o'clock", "O'clock", "lovin'", "Lovin'", "lovin", "Lovin", "havin'",
        "Havin'", "havin", "Havin", "doin'", "Doin'", "doin", "Doin", "goin'", "Goin'", "goin", "Goin",
        "Mt.", "Ak.", "Ala.", "Apr.", "Ariz.", "Ark.", "Aug.", "Calif.", "Colo.", "Conn.", "Dec.", "Del.", "Feb.", "Fla.",
        "Ga.", "Ia.", "Id.", "Ill.", "Ind.", "Jan.", "Jul.", "Jun.", "Kan.", "Kans.", "Ky.", "La.", "Mar.", "Mass.",
        "Mich.", "Minn.", "Miss.", "N.C.", "N.D.", "N.H.", "N.J.", "N.M.", "N.Y.", "Neb.", "Nebr.", "Nev.", "Nov.",
        "Oct.", "Okla.", "Ore.", "Pa.", "S.C.", "Sep.", "Sept.", "Tenn.", "Va.", "Wash.", "Wis.",
        "'d", "a.m.", "Adm.", "Bros.", "co.", "Co.", "Corp.", "D.C.", "Dr.", "e.g.", "E.g.", "E.G.", "Gen.", "Gov.",
        "i.e.", "I.e.", "I.E.", "Inc.", "Jr.", "Ltd.", "Md.", "Messrs.", "Mo.", "Mont.", "Mr.", "Mrs.", "Ms.", "p.m.",
        "Ph.D.", "Prof.", "Rep.", "Rev.", "Sen.", "St.", "vs.", "v.s.",
    ]

    /// Emoticons and kaomoji that stay one token.
    static let emoticons = [
        ":)", ":-)", ":))", ":-))", ":)))", ":-)))", "(:", "(-:", "=)", "(=", ":]", ":-]", "[:", "[-:", "[=", "=]",
        ":o)", "(o:", ":}", ":-}", "8)", "8-)", "(-8", ";)", ";-)", "(;", "(-;", ":(", ":-(", ":((", ":-((", ":(((",
        ":-(((", "):", ")-:", "=(", ">:(", ":')", ":'-)", ":'(", ":'-(", ":/", ":-/", "=/", "=|", ":|", ":-|", "]=",
        "=[", ":1", ":P", ":-P", ":p", ":-p", ":O", ":-O", ":o", ":-o", ":0", ":-0", ":()", ">:o", ":*", ":-*", ":3",
        ":-3", "=3", ":>", ":->", ":X", ":-X", ":x", ":-x", ":D", ":-D", ";D", ";-D", "=D", "xD", "XD", "xDD", "XDD",
        "8D", "8-D", "^_^", "^__^", "^___^", ">.<", ">.>", "<.<", "._.", ";_;", "-_-", "-__-", "v.v", "V.V", "v_v",
        "V_V", "o_o", "o_O", "O_o", "O_O", "0_o", "o_0", "0_0", "o.O", "O.o", "O.O", "o.o", "0.0", "o.0", "0.o", "@_@",
        "<3", "<33", "<333", "</3", "(^_^)", "(-_-)", "(._.)", "(>_<)", "(*_*)", "(¬_¬)", "ಠ_ಠ", "ಠ︵ಠ", "(ಠ_ಠ)",
        "¯\\(ツ)/¯", "(╯°□°）╯︵┻━┻", "><(((*>",
    ]
}
