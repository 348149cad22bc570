"""Light detokenization of WikiText-2 lines, shared by the data and LM scripts.

WikiText's tokenizer wrote number-internal punctuation as ` @-@ `, ` @,@ `,
` @.@ `; these are joined back (`-`, `,`, `.`). `<unk>` (a rare word WikiText
removed) becomes fastai's `xxunk`, which fastai's tokenizer keeps as one token
and which is fastai's unknown-word entry in the vocabulary (spaCy would cut
`<unk>` into `<`, `unk`, `>`). Nothing else is changed: the remaining spaces
around punctuation give the same tokens from spaCy as the original spacing.
"""

import re

_JOINS = [(" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", ".")]
_UNK = re.compile(r"<unk>")


def detok(line: str) -> str:
    s = line.strip()
    for a, b in _JOINS:
        s = s.replace(a, b)
    return _UNK.sub("xxunk", s)
