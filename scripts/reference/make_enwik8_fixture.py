#!/usr/bin/env python3
"""A small enwik8.zip for the tests of `awd-lstm prepare enwik8`, and the files
the authors' data/enwik8/prep_enwik8.py would make from it.

The archive has the layout of the real one (one deflated member named
`enwik8`) but 4,000 bytes of made-up wiki markup with newlines and UTF-8, so
that every code path of the tokenisation is used.  The expected files follow
the authors' rules with 600 held-out bytes instead of 5,000,000: train is all
but the last 1,200 bytes, valid the next 600, test the last 600; each split is
' '.join(str(c) if c != ord('\\n') else '\\n' for c in part).

    python scripts/reference/make_enwik8_fixture.py
"""

import os
import random
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "enwik8")
HELD_OUT = 600


def content(n=4000):
    rng = random.Random(8)
    words = ["<page>", "<title>", "Anarchism", "[[Category:Politics]]", "&lt;ref&gt;", "naïve", "Zürich",
             "{{cite", "the", "of", "and", "1999", "—", "日本"]
    text = ""
    while len(text.encode()) < n:
        text += rng.choice(words) + ("\n" if rng.random() < 0.15 else " ")
    return text.encode()[:n]


def tokenize(part):
    return " ".join(str(c) if c != ord("\n") else "\n" for c in part)


def main():
    os.makedirs(OUT, exist_ok=True)
    data = content()
    with zipfile.ZipFile(os.path.join(OUT, "enwik8.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("enwik8", date_time=(2006, 3, 3, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    parts = {"train": data[:-2 * HELD_OUT], "valid": data[-2 * HELD_OUT:-HELD_OUT], "test": data[-HELD_OUT:]}
    for name, part in parts.items():
        with open(os.path.join(OUT, name + ".txt"), "w", encoding="utf8", newline="") as f:
            f.write(tokenize(part))
        print(name, len(part), "bytes")


if __name__ == "__main__":
    main()
