"""Writes Tests/Fixtures/fastai_tokenizer.json: what fastai 2.8 with spaCy 3.8 gives,
for FastaiTokenizerTests.swift to match exactly.

- "rules": each of fastai's default text rules (fastai/text/core.py) on the examples
  that fastai's own documentation and tests give for it (nbs/30_text.core.ipynb),
  with the rule's output;
- "documents": texts of ours covering contractions, punctuation, URLs, e-mail
  addresses, numbers and units, abbreviations, Unicode quotes, HTML entities,
  capitals and repetitions, with the tokens of fastai's pipeline
  (`tokenize1(text, SpacyTokenizer())`: the rules, spaCy's English tokenizer with
  fastai's special tokens, then `replace_space`), as `tokenize_texts` makes them.

    .venv-bench/bin/python scripts/reference/make_tokenizer_fixtures.py
"""
import json
from pathlib import Path

import fastai
import spacy
from fastai.text.core import (SpacyTokenizer, fix_html, lowercase, replace_all_caps, replace_maj, replace_rep,
                              replace_wrep, rm_useless_spaces, spec_add_spaces, tokenize1)

RULE_EXAMPLES = {
    "fix_html": ["#39;bli#146;", "Sarah amp; Duck...", "a nbsp; #36;", '\\" <unk>', "quot;  @.@  @-@ ",
                 "<br />text\\nline"],
    "replace_rep": ["aa", "aaaa"],
    "replace_wrep": ["ah ah", "ah ah ah", "ah ah ah ah", "ah ah ah ah ", "ah ah ah ah.", "ah ah ahi"],
    "spec_add_spaces": ["#fastai", "/fastai", "\\fastai"],
    "rm_useless_spaces": ["a  b   c"],
    "replace_all_caps": ["I'M SHOUTING", "I'm speaking normally", "I am speaking normally"],
    "replace_maj": ["Jeremy Howard", "I don't think there is any maj here"],
    "lowercase": ["Hello  World ", "  ÉCOLE"],
}
RULES = {"fix_html": fix_html, "replace_rep": replace_rep, "replace_wrep": replace_wrep,
         "spec_add_spaces": spec_add_spaces, "rm_useless_spaces": rm_useless_spaces,
         "replace_all_caps": replace_all_caps, "replace_maj": replace_maj, "lowercase": lowercase}

# fastai's tokenizer examples, then ours.
DOCUMENTS = [
    "This isn't the easiest text.",
    "This is a text",
    "This is another text",
    # contractions
    "I don't know why you're here, but we'll see; they'd've said it's fine.",
    "Can't, won't, shouldn't've, ain't, y'all, gonna, gotta, cannot, let's, c'mon, ma'am, o'clock.",
    "She's here; he'd go. Who's there? What're you doing? There'll be 'em and 'bout nothin'.",
    "I'm, Im, I'ma, you'll, youll, it'd, itd, we've, weve, ill, its, well, were, shed.",
    "Typographic: I don’t know, it’s John’s, they’ll say we’re ’cause y’all can’t.",
    # punctuation
    "Wait... what?! (Really) [yes] {no} <maybe> — yes – no -- perhaps; ok: fine.",
    "\"Quoted,\" she said. 'Single' quotes, `backticks' and ''two'' marks.",
    "Hello...:) and (: and :-( and <3 are emoticons; so is ¯\\(ツ)/¯.",
    "a/b and/or w/o #hashtag back\\slash 50% off, 3+4=7, x^2, a*b.",
    # URLs and e-mail addresses
    "See https://www.example.com/path/to/page.html?q=1&r=2#frag for details.",
    "Mail jane.doe@example.co.uk or visit example.org, ftp://files.example.net:2121/pub.",
    "Local addresses like http://192.168.0.1/admin and 10.0.0.1 are not URLs; 8.8.8.8 is.",
    # numbers and units
    "It costs $3.50, £20, €1,000.99 or US$5; 10km, 5kg, 3.5mm, 100mph, 20°C. and 1,234,567.",
    "Call 555-1234 at 5pm, 10a.m. or 12:30; 1990s, 3rd, 2.5x, 1e-5, -3, +4 and v1.2.3.",
    # abbreviations
    "Mr. Smith, Dr. Jones and Prof. Brown met Mrs. Green at St. Paul's, U.S.A., e.g. on Jan. 5 vs. Feb.",
    "The U.K. and N.Y. offices (i.e. the Ph.D. people) opened in Sept. at 9 a.m. sharp.",
    # Unicode quotes and other scripts
    "“Curly double” and ‘curly single’ quotes, «guillemets», „low“ and 「brackets」.",
    "Café naïve résumé Zürich ÉCOLE İstanbul ΟΔΟΣ Москва 東京 ẞtraße.",
    # HTML entities and fastai's fixes
    "Fish &amp; chips &lt;b&gt; &quot;quoted&quot; &#39;apos&#39; &eacute;t&eacute; &copy2024 &nbsp;x &#x27;hex&#x27;.",
    "Line one<br />line two\\nline three, a \\\"quote\\\", an <unk> word, 1 @.@ 5 and well @-@ known.",
    "Broken &#0; &#128; &#xD800; &#99999999; &bogus; &amp &ampx &notin; &NotEqualTilde; &ne.",
    # capitals
    "THE QUICK Brown FOX Jumps OVER the LAZY dog; NASA and I.B.M. say OK.",
    "A I ÉCOLE McDonald iPhone eBay HTML5 C3PO X-RAY U.S.-based.",
    # repetitions
    "Nooooo way!!!! Sooo good..... hmmm ----- ====",
    "very very very very good, no no no, ha ha ha ha. the the the end",
    # white space
    "tabs\there  and   there, trailing space ",
    "",
    "   ",
]


def main():
    tok = SpacyTokenizer()
    rules = [{"rule": name, "input": text, "output": RULES[name](text)}
             for name, examples in RULE_EXAMPLES.items() for text in examples]
    documents = [{"text": text, "tokens": list(tokenize1(text, tok))} for text in DOCUMENTS]
    out = {"fastai": fastai.__version__, "spacy": spacy.__version__, "rules": rules, "documents": documents}
    path = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "fastai_tokenizer.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{path}: {len(rules)} rule examples, {len(documents)} documents")


if __name__ == "__main__":
    main()
